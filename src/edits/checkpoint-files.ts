import type { Stats } from "node:fs";
import { dirname, relative, sep } from "node:path";
import type { PatchFs } from "./patch-fs.js";
import { isInside } from "../core/index.js";
import type { Workspace, WorkspacePath } from "./workspace-path.js";
import { commonLinePairs } from "./line-diff.js";
import { errnoCode, toPatchIoError } from "./patch-error.js";
import { type DiskExpectation, expectationOf } from "./disk-identity.js";

/** What is at a path now, as checkpoints compare it: nothing, a regular file (bytes, mode), or something else. */
export type FileState = { kind: "missing" } | { kind: "file"; bytes: Uint8Array; mode: number; expected: DiskExpectation } | { kind: "other" };

export async function readFileState(fs: PatchFs, path: WorkspacePath): Promise<FileState> {
  let stats: Stats;
  try {
    stats = await fs.stat(path.real);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
    throw toPatchIoError(error, "inspect", path.display);
  }
  if (!stats.isFile()) return { kind: "other" };
  try {
    return { kind: "file", bytes: await fs.readFile(path.real), mode: stats.mode & 0o7777, expected: expectationOf(stats) };
  } catch (error) {
    throw toPatchIoError(error, "read", path.display);
  }
}

/** Whether the state holds exactly these bytes (null = no file). */
export function stateEquals(state: FileState, bytes: Uint8Array | null): boolean {
  if (bytes === null) return state.kind === "missing";
  return state.kind === "file" && Buffer.from(state.bytes).equals(Buffer.from(bytes));
}

export function stateBytes(state: FileState): Uint8Array | null {
  return state.kind === "file" ? state.bytes : null;
}

/** Splits text into lines that keep their "\n", so "a" and "a\n" differ as they do on disk. */
export function splitLinesKeepingEnds(text: string): string[] {
  return text === "" ? [] : text.split(/(?<=\n)/);
}

export function decodeLoosely(bytes: Uint8Array | null): string {
  return bytes === null ? "" : Buffer.from(bytes).toString("utf8");
}

/** Lines added and removed between two versions of a file (null = absent). */
export function countLineChanges(before: Uint8Array | null, after: Uint8Array | null): { added: number; removed: number } {
  const oldLines = splitLinesKeepingEnds(decodeLoosely(before));
  const newLines = splitLinesKeepingEnds(decodeLoosely(after));
  const common = commonLinePairs(oldLines, newLines).length;
  return { added: newLines.length - common, removed: oldLines.length - common };
}

/**
 * The directories between the workspace root and a path that do not exist yet (deepest first): if the
 * patch creates the file, it creates these too, and undo should take them away again.
 */
export async function missingParents(fs: PatchFs, workspace: Workspace, path: WorkspacePath): Promise<string[]> {
  const missing: string[] = [];
  for (let dir = dirname(path.real); dir !== workspace.root && isInside(workspace.root, dir); dir = dirname(dir)) {
    try {
      await fs.stat(dir);
      break;
    } catch (error) {
      const code = errnoCode(error);
      if (code !== "ENOENT" && code !== "ENOTDIR") break;
      missing.push(dir);
    }
  }
  return missing;
}

export function workspaceRelative(workspace: Workspace, absolute: string): string {
  return relative(workspace.root, absolute).split(sep).join("/");
}
