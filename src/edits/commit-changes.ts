import { basename, dirname } from "node:path";
import type { PatchFs } from "./patch-fs.js";
import type { Workspace } from "./workspace-path.js";
import type { ChangedFile, ReportedError } from "./apply-report.js";
import { type Staged, type StagedDeletion, type StagedFile, describeChange, isUnchanged } from "./staged-changes.js";
import { atomicWriteFile, removeFile } from "./atomic-write.js";
import { openWorkspaceDirectory, syncAndClose } from "./workspace-directory.js";
import { PatchError, toPatchIoError } from "./patch-error.js";

/**
 * Writes the staged files: every file atomically and on its own, so a failure costs that file only (it
 * keeps its old content) and the operations that fed it are reported failed. All writes happen before
 * any deletion, so a move never removes its source unless the destination was written.
 */
export interface CommitResult {
  files: ChangedFile[];
  /** Operation index -> why its changes could not be written. */
  failures: Map<number, ReportedError>;
}

export async function commitStaged(entries: readonly Staged[], fs: PatchFs, workspace: Workspace): Promise<CommitResult> {
  const files: ChangedFile[] = [];
  const failures = new Map<number, ReportedError>();
  const failedPaths = new Set<string>();
  const fail = (entry: Staged, error: PatchError): void => {
    failedPaths.add(entry.path.real);
    for (const op of entry.ops) if (!failures.has(op)) failures.set(op, { code: error.patchCode, message: error.message });
  };
  for (const entry of entries) {
    if (entry.kind !== "file" || isUnchanged(entry)) continue;
    try {
      await writeStagedFile(entry, fs, workspace);
      files.push(describeChange(entry));
    } catch (error) {
      fail(entry, toPatchIoError(error, "write", entry.path.display));
    }
  }
  for (const entry of entries) {
    if (entry.kind !== "deleted" || isUnchanged(entry)) continue;
    const blocker = entry.requires.find((path) => failedPaths.has(path));
    if (blocker !== undefined) {
      fail(entry, new PatchError("io", `${entry.path.display} was kept because its new location could not be written.`));
      continue;
    }
    try {
      await deleteStagedFile(entry, fs, workspace);
      files.push(describeChange(entry));
    } catch (error) {
      fail(entry, toPatchIoError(error, "delete", entry.path.display));
    }
  }
  return { files, failures };
}

async function writeStagedFile(entry: StagedFile, fs: PatchFs, workspace: Workspace): Promise<void> {
  const realDir = dirname(entry.path.real);
  const dir = await openWorkspaceDirectory(fs, workspace, realDir, { create: true, displayPath: entry.path.display });
  try {
    await atomicWriteFile(dir, basename(entry.path.real), entry.data, { fs, mode: entry.mode, displayPath: entry.path.display, expected: entry.expected, realDir });
  } finally {
    await syncAndClose(dir);
  }
}

async function deleteStagedFile(entry: StagedDeletion, fs: PatchFs, workspace: Workspace): Promise<void> {
  const realDir = dirname(entry.path.real);
  const dir = await openWorkspaceDirectory(fs, workspace, realDir, { create: false, displayPath: entry.path.display });
  try {
    await removeFile(dir, basename(entry.path.real), { fs, displayPath: entry.path.display, expected: entry.expected, realDir });
  } finally {
    await syncAndClose(dir);
  }
}

/** What a dry run reports: the same list a real run would write, computed without writing. */
export function describeStaged(entries: readonly Staged[]): ChangedFile[] {
  const writes = entries.filter((entry) => entry.kind === "file" && !isUnchanged(entry));
  const deletions = entries.filter((entry) => entry.kind === "deleted" && !isUnchanged(entry));
  return [...writes, ...deletions].map(describeChange);
}
