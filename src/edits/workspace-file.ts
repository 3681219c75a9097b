import type { Stats } from "node:fs";
import { basename, dirname } from "node:path";
import type { PatchFs } from "./patch-fs.js";
import type { Workspace, WorkspacePath } from "./workspace-path.js";
import { type DiskExpectation, assertUnchanged, expectationOf } from "./disk-identity.js";
import { openWorkspaceDirectory } from "./workspace-directory.js";
import { PatchError, errnoCode, toPatchIoError } from "./patch-error.js";

/** 10 MiB: far above any source file a model should patch line by line, low enough to keep memory sane. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface ExistingFile {
  bytes: Uint8Array;
  /** Permission bits (and setuid/setgid/sticky), to give the rewritten file the same ones. */
  mode: number;
  /** What was read, to notice a change before the file is replaced. */
  expected: DiskExpectation;
}

/** What is at a path: nothing, a regular file, or something a patch must not treat as a file. */
export async function statTarget(fs: PatchFs, path: WorkspacePath): Promise<Stats | undefined> {
  try {
    return await fs.stat(path.real);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw toPatchIoError(error, "inspect", path.display);
  }
}

/**
 * Reads a regular file, refusing directories, special files and files over the size limit. The read goes
 * through the checked directory handle (see workspace-directory.ts), so a parent swapped for a link after
 * the path was resolved cannot make the engine read, and then show the model, a file outside.
 */
export async function readExistingFile(fs: PatchFs, workspace: Workspace, path: WorkspacePath, maxBytes: number): Promise<ExistingFile> {
  const dir = await openWorkspaceDirectory(fs, workspace, dirname(path.real), { create: false, displayPath: path.display });
  try {
    const inside = `${dir.path}/${basename(path.real)}`;
    const stats = await fs.lstat(inside).catch((error: unknown) => {
      if (errnoCode(error) === "ENOENT") throw new PatchError("file_missing", `${path.display} does not exist.`);
      throw toPatchIoError(error, "inspect", path.display);
    });
    assertRegularFile(stats, path);
    assertPatchableSize(stats.size, maxBytes, path.display);
    const expected = expectationOf(stats);
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(inside);
    } catch (error) {
      throw toPatchIoError(error, "read", path.display);
    }
    // readFile follows a link put in the file's place after the lstat: the same file must still be there.
    await assertUnchanged(fs, inside, expected, path.display);
    return { bytes, mode: stats.mode & 0o7777, expected };
  } finally {
    await dir.close();
  }
}

export function assertRegularFile(stats: Stats, path: WorkspacePath): void {
  if (stats.isDirectory()) throw new PatchError("not_a_file", `${path.display} is a directory, not a file.`);
  if (!stats.isFile()) throw new PatchError("not_a_file", `${path.display} is not a regular file.`);
}

export function assertPatchableSize(size: number, maxBytes: number, displayPath: string): void {
  if (size <= maxBytes) return;
  throw new PatchError("too_large", `${displayPath} is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit for patched files; edit it another way.`);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
