import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import type { PatchFileHandle, PatchFs } from "./patch-fs.js";
import { toPatchIoError } from "./patch-error.js";

/**
 * Replaces a file so that, whatever fails (a full disk, a crash, a kill), the path holds either the
 * whole old content or the whole new content, never a mix or an empty file: the new bytes go to a temp
 * file in the same directory (same file system, so the rename is atomic), are fsync'ed, and only then
 * renamed over the target. A failure before the rename removes the temp file.
 */
export interface AtomicWriteOptions {
  fs: PatchFs;
  /** Permission bits for the file (the old file's, to keep them); undefined = the default for new files. */
  mode?: number | undefined;
  /** How the file is named in error messages. */
  displayPath: string;
}

const DEFAULT_MODE = 0o666;

export async function atomicWriteFile(path: string, data: Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const { fs, mode, displayPath } = options;
  const temp = tempPathFor(path);
  let handle: PatchFileHandle | undefined;
  try {
    handle = await fs.openExclusive(temp, mode ?? DEFAULT_MODE);
    await writeAll(handle, data);
    // open() applies the umask; chmod sets the old file's bits exactly.
    if (mode !== undefined) await handle.chmod(mode);
    await handle.sync();
    const closing = handle;
    handle = undefined;
    await closing.close();
    await fs.rename(temp, path);
  } catch (error) {
    await discardTemp(fs, handle, temp);
    throw toPatchIoError(error, "write", displayPath);
  }
  await syncDirectory(fs, dirname(path));
}

/** Same directory as the target, hidden, unique per process and call; short enough for NAME_MAX. */
export function tempPathFor(path: string): string {
  const name = basename(path).slice(0, 100);
  return join(dirname(path), `.${name}.spark-${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
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

async function discardTemp(fs: PatchFs, handle: PatchFileHandle | undefined, temp: string): Promise<void> {
  await handle?.close().catch(() => undefined);
  // The temp file may not exist (open failed) or may already be renamed; either way there is nothing to do.
  await fs.unlink(temp).catch(() => undefined);
}

/** Makes the rename itself durable. Best effort: some file systems refuse to fsync a directory. */
async function syncDirectory(fs: PatchFs, dir: string): Promise<void> {
  try {
    const handle = await fs.openDirectory(dir);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The data is already safely renamed; losing only the directory fsync is acceptable.
  }
}
