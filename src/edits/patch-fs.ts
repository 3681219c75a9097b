import * as fsp from "node:fs/promises";
import type { Stats } from "node:fs";

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

export interface PatchFs {
  lstat(path: string): Promise<Stats>;
  stat(path: string): Promise<Stats>;
  realpath(path: string): Promise<string>;
  readlink(path: string): Promise<string>;
  readFile(path: string): Promise<Uint8Array>;
  mkdir(path: string): Promise<void>;
  /** Opens for writing, failing if the file exists (flag "wx"). */
  openExclusive(path: string, mode: number): Promise<PatchFileHandle>;
  /** Opens a directory so it can be fsync'ed after a rename. */
  openDirectory(path: string): Promise<PatchFileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const nodePatchFs: PatchFs = {
  lstat: (path) => fsp.lstat(path),
  stat: (path) => fsp.stat(path),
  realpath: (path) => fsp.realpath(path),
  readlink: (path) => fsp.readlink(path),
  readFile: (path) => fsp.readFile(path),
  mkdir: async (path) => {
    await fsp.mkdir(path, { recursive: true });
  },
  openExclusive: (path, mode) => fsp.open(path, "wx", mode),
  openDirectory: (path) => fsp.open(path, "r"),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
};
