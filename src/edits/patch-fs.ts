import { constants, existsSync, type Stats } from "node:fs";
import * as fsp from "node:fs/promises";

/**
 * The file-system calls the patch engine makes, as an interface so tests can inject faults (a rename
 * that fails, a write that stops half-way) into the real thing rather than mock our own code.
 */
export interface PatchFileHandle {
  write(data: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  chmod(mode: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * An open directory. `path` reaches exactly this directory for as long as it is open, even if the
 * directory is moved or a parent is swapped for a symbolic link meanwhile (on Linux it is the
 * `/proc/self/fd/N` magic link: Node has no openat/renameat, and this is how to get their guarantee).
 */
export interface PatchDirectory {
  readonly path: string;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface PatchFs {
  lstat(path: string): Promise<Stats>;
  stat(path: string): Promise<Stats>;
  realpath(path: string): Promise<string>;
  readlink(path: string): Promise<string>;
  readFile(path: string): Promise<Uint8Array>;
  /** Creates one directory (its parent must exist); an existing one is not an error. */
  mkdir(path: string): Promise<void>;
  /** Opens for writing, failing if the name exists, even as a symbolic link (O_CREAT|O_EXCL|O_NOFOLLOW). */
  openExclusive(path: string, mode: number): Promise<PatchFileHandle>;
  /** Opens a directory, refusing a symbolic link in the last component (O_DIRECTORY|O_NOFOLLOW). */
  openDirectory(path: string): Promise<PatchDirectory>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

const PROC_FD = "/proc/self/fd";
// Without /proc (not Linux) the directory's own path is the best there is; Spark's sandbox needs Linux anyway.
const hasProcFd = existsSync(PROC_FD);

export const nodePatchFs: PatchFs = {
  lstat: (path) => fsp.lstat(path),
  stat: (path) => fsp.stat(path),
  realpath: (path) => fsp.realpath(path),
  readlink: (path) => fsp.readlink(path),
  readFile: (path) => fsp.readFile(path),
  mkdir: async (path) => {
    try {
      await fsp.mkdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  },
  openExclusive: (path, mode) => fsp.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode),
  openDirectory: async (path) => {
    const handle = await fsp.open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    return { path: hasProcFd ? `${PROC_FD}/${handle.fd}` : path, sync: () => handle.sync(), close: () => handle.close() };
  },
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
};
