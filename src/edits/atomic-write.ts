import { randomBytes } from "node:crypto";
import type { PatchDirectory, PatchFileHandle, PatchFs } from "./patch-fs.js";
import { type DiskExpectation, assertUnchanged } from "./disk-identity.js";
import { PatchError, errnoCode, toPatchIoError } from "./patch-error.js";

/**
 * Replaces a file so that, whatever fails (a full disk, a crash, a kill), the path holds either the
 * whole old content or the whole new content, never a mix or an empty file: the new bytes go to a temp
 * file in the same directory (same file system, so the rename is atomic), are fsync'ed, and only then
 * renamed over the target. Everything goes through the open directory (see workspace-directory.ts), the
 * temp file is created with O_EXCL|O_NOFOLLOW, and right before the rename the directory must still be
 * where it was planned and the target still what was read. A failure removes the temp file.
 */
export interface AtomicWriteOptions {
  fs: PatchFs;
  /** Permission bits for the file (the old file's, to keep them); undefined = the default for new files. */
  mode?: number | undefined;
  /** How the file is named in error messages. */
  displayPath: string;
  /** What the target held when it was read; the write is refused if that changed. */
  expected: DiskExpectation;
  /** The directory's real path as planned: it must still be there (not moved elsewhere) at the rename. */
  realDir: string;
}

const DEFAULT_MODE = 0o666;

export async function atomicWriteFile(dir: PatchDirectory, name: string, data: Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const { fs, mode, displayPath } = options;
  const temp = `${dir.path}/${tempNameFor(name)}`;
  const target = `${dir.path}/${name}`;
  let handle: PatchFileHandle | undefined;
  let created = false;
  try {
    await assertUnchanged(fs, target, options.expected, displayPath);
    handle = await fs.openExclusive(temp, mode ?? DEFAULT_MODE);
    created = true;
    await writeAll(handle, data);
    // open() applies the umask; chmod sets the old file's bits exactly.
    if (mode !== undefined) await handle.chmod(mode);
    await handle.sync();
    const closing = handle;
    handle = undefined;
    await closing.close();
    await assertDirectoryInPlace(fs, dir, options.realDir, displayPath);
    await assertUnchanged(fs, target, options.expected, displayPath);
    await fs.rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    // Only a temp file this call created is removed, and through the same directory it was created in.
    if (created) await fs.unlink(temp).catch(() => undefined);
    throw toPatchIoError(error, "write", displayPath);
  }
}

/** Deletes a file through its open directory, if it is still what was read (gone already is fine). */
export async function removeFile(dir: PatchDirectory, name: string, options: Omit<AtomicWriteOptions, "mode">): Promise<void> {
  const target = `${dir.path}/${name}`;
  await assertDirectoryInPlace(options.fs, dir, options.realDir, options.displayPath);
  await assertUnchanged(options.fs, target, options.expected, options.displayPath);
  try {
    await options.fs.unlink(target);
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") throw toPatchIoError(error, "delete", options.displayPath);
  }
}

/** The open directory must still be the planned one: moved out of the workspace, it is refused. */
async function assertDirectoryInPlace(fs: PatchFs, dir: PatchDirectory, realDir: string, displayPath: string): Promise<void> {
  const now = await fs.realpath(dir.path).catch(() => undefined);
  if (now !== realDir) {
    throw new PatchError("changed_on_disk", `The directory of ${displayPath} was moved or removed while the patch was being applied; it was not written.`);
  }
}

/** Hidden, unique per process and call; short enough for NAME_MAX. */
function tempNameFor(name: string): string {
  return `.${name.slice(0, 100)}.spark-${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
}

/** Temp files this engine creates are recognisable, so a test or a cleanup can find leftovers. */
export function isSparkTempName(name: string): boolean {
  return /^\..*\.spark-\d+-[0-9a-f]{8}\.tmp$/.test(name);
}

async function writeAll(handle: PatchFileHandle, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset, offset);
    if (bytesWritten <= 0) throw new Error("the write made no progress");
    offset += bytesWritten;
  }
}
