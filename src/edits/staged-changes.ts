import { sep } from "node:path";
import type { WorkspacePath } from "./workspace-path.js";
import type { ChangedFile } from "./apply-report.js";
import type { DiskExpectation } from "./disk-identity.js";

/**
 * The files a patch will write, held in memory until every operation has been planned. Operations are
 * planned against this overlay (a file added or updated earlier in the patch is seen by later ones) and
 * the disk is touched only afterwards, each file once, so a file is never left with half of a patch.
 * Keyed by the real path, so two spellings of one file are one entry.
 */

interface StagedBase {
  path: WorkspacePath;
  /** Whether the path held a file before the patch. */
  existedOnDisk: boolean;
  /** What the path held when first read; the write or deletion is refused if it changed since. */
  expected: DiskExpectation;
  /** The operations that contributed to this entry; if writing it fails, they all failed. */
  ops: Set<number>;
}

export interface StagedFile extends StagedBase {
  kind: "file";
  data: Uint8Array;
  /** Permission bits to write with; undefined for a new file (the default mode). */
  mode: number | undefined;
  /** The bytes on disk before the patch when they were read, to skip rewriting an unchanged file. */
  original: Uint8Array | undefined;
  originalMode: number | undefined;
}

export interface StagedDeletion extends StagedBase {
  kind: "deleted";
  /** Real paths that must be written first (the destination of a move): if one fails, keep this file. */
  requires: string[];
}

export type Staged = StagedFile | StagedDeletion;

export interface FileOrigin {
  existedOnDisk: boolean;
  expected: DiskExpectation;
  original?: Uint8Array | undefined;
  originalMode?: number | undefined;
}

export class StagedChanges {
  private readonly entries = new Map<string, Staged>();

  get(path: WorkspacePath): Staged | undefined {
    return this.entries.get(path.real);
  }

  stageFile(path: WorkspacePath, op: number, data: Uint8Array, mode: number | undefined, origin: FileOrigin): void {
    const before = this.entries.get(path.real);
    this.entries.set(path.real, {
      kind: "file",
      path,
      data,
      mode,
      existedOnDisk: before?.existedOnDisk ?? origin.existedOnDisk,
      expected: before?.expected ?? origin.expected,
      original: before === undefined ? origin.original : before.kind === "file" ? before.original : undefined,
      originalMode: before === undefined ? origin.originalMode : before.kind === "file" ? before.originalMode : undefined,
      ops: new Set([...(before?.ops ?? []), op]),
    });
  }

  stageDeletion(path: WorkspacePath, op: number, origin: Omit<FileOrigin, "original" | "originalMode">, requires: string[] = []): void {
    const before = this.entries.get(path.real);
    this.entries.set(path.real, {
      kind: "deleted",
      path,
      requires,
      existedOnDisk: before?.existedOnDisk ?? origin.existedOnDisk,
      expected: before?.expected ?? origin.expected,
      ops: new Set([...(before?.ops ?? []), op]),
    });
  }

  /** A file staged below this path makes it a directory once written. */
  isStagedDirectory(path: WorkspacePath): boolean {
    const prefix = path.real + sep;
    return this.list().some((entry) => entry.kind === "file" && entry.path.real.startsWith(prefix));
  }

  /** A file staged at a parent of this path, which could then not be a directory. */
  stagedFileAbove(path: WorkspacePath): Staged | undefined {
    return this.list().find((entry) => entry.kind === "file" && path.real.startsWith(entry.path.real + sep));
  }

  list(): Staged[] {
    return [...this.entries.values()];
  }
}

/** A staged file whose bytes and mode equal what is on disk needs no write. */
export function isUnchanged(entry: Staged): boolean {
  if (entry.kind === "deleted") return !entry.existedOnDisk;
  if (entry.original === undefined) return false;
  return entry.mode === entry.originalMode && Buffer.from(entry.original).equals(entry.data);
}

export function describeChange(entry: Staged): ChangedFile {
  const change = entry.kind === "deleted" ? "deleted" : entry.existedOnDisk ? "modified" : "created";
  return { path: entry.path.display, change };
}
