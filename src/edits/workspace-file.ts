import type { Stats } from "node:fs";
import type { PatchFs } from "./patch-fs.js";
import type { WorkspacePath } from "./workspace-path.js";
import { type DiskExpectation, expectationOf } from "./disk-identity.js";
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

/** Reads a regular file, refusing directories, special files and files over the size limit. */
export async function readExistingFile(fs: PatchFs, path: WorkspacePath, maxBytes: number): Promise<ExistingFile> {
  const stats = await statTarget(fs, path);
  if (stats === undefined) throw new PatchError("file_missing", `${path.display} does not exist.`);
  assertRegularFile(stats, path);
  assertPatchableSize(stats.size, maxBytes, path.display);
  try {
    return { bytes: await fs.readFile(path.real), mode: stats.mode & 0o7777, expected: expectationOf(stats) };
  } catch (error) {
    throw toPatchIoError(error, "read", path.display);
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
