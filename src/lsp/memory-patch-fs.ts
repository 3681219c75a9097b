import type { Stats } from "node:fs";
import { dirname, join, sep } from "node:path";
import type { PatchDirectory, PatchFileHandle, PatchFs } from "../edits/index.js";

/**
 * The patch engine's file-system calls over a map of texts: the open documents, as the editor has them
 * (unsaved changes included). Applying a patch here gives the edited texts without touching the disk.
 * Paths are absolute, in the platform's form (as the patch engine makes them); directories exist
 * implicitly above every file.
 */
export class MemoryPatchFs implements PatchFs {
  private readonly files = new Map<string, Uint8Array>();
  /** Directories a patch created that hold no file yet (the others exist implicitly). */
  private readonly dirs = new Set<string>();

  constructor(readonly root: string, files: Iterable<[relativePath: string, text: string]>) {
    for (const [path, text] of files) this.files.set(join(root, path), Buffer.from(text, "utf8"));
  }

  /** The text of a file after the patch, or undefined if it does not exist (any more). */
  text(relativePath: string): string | undefined {
    const bytes = this.files.get(join(this.root, relativePath));
    return bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");
  }

  private isDirectory(path: string): boolean {
    if (path === this.root || dirname(path) === path || this.dirs.has(path)) return true;
    const prefix = path.endsWith(sep) ? path : `${path}${sep}`;
    for (const file of this.files.keys()) if (file.startsWith(prefix)) return true;
    return false;
  }

  private stats(path: string): Stats {
    const file = this.files.get(path);
    if (file === undefined && !this.isDirectory(path)) throw notFound(path);
    const isFile = file !== undefined;
    // Only the fields the patch engine reads; the rest of Stats is never looked at.
    return {
      isFile: () => isFile,
      isDirectory: () => !isFile,
      isSymbolicLink: () => false,
      size: file?.length ?? 0,
      mode: isFile ? 0o100644 : 0o040755,
    } as Stats;
  }

  lstat(path: string): Promise<Stats> {
    return attempt(() => this.stats(path));
  }

  stat(path: string): Promise<Stats> {
    return attempt(() => this.stats(path));
  }

  realpath(path: string): Promise<string> {
    return attempt(() => {
      this.stats(path);
      return path;
    });
  }

  readlink(path: string): Promise<string> {
    return Promise.reject(Object.assign(new Error(`EINVAL: not a symbolic link, readlink '${path}'`), { code: "EINVAL" }));
  }

  readFile(path: string): Promise<Uint8Array> {
    const file = this.files.get(path);
    return file === undefined ? Promise.reject(notFound(path)) : Promise.resolve(file);
  }

  mkdir(path: string): Promise<void> {
    this.dirs.add(path);
    return Promise.resolve();
  }

  openExclusive(path: string): Promise<PatchFileHandle> {
    if (this.files.has(path)) return Promise.reject(Object.assign(new Error(`EEXIST: file already exists, open '${path}'`), { code: "EEXIST" }));
    let data = new Uint8Array(0);
    this.files.set(path, data);
    const files = this.files;
    return Promise.resolve({
      write(chunk: Uint8Array, offset: number, length: number, position: number) {
        const end = position + length;
        if (end > data.length) {
          const grown = new Uint8Array(end);
          grown.set(data);
          data = grown;
        }
        data.set(chunk.subarray(offset, offset + length), position);
        files.set(path, data);
        return Promise.resolve({ bytesWritten: length });
      },
      sync: () => Promise.resolve(),
      chmod: () => Promise.resolve(),
      close: () => Promise.resolve(),
    });
  }

  openDirectory(path: string): Promise<PatchDirectory> {
    return attempt(() => {
      if (!this.isDirectory(path)) throw notFound(path);
      return { path, sync: () => Promise.resolve(), close: () => Promise.resolve() };
    });
  }

  rename(from: string, to: string): Promise<void> {
    const file = this.files.get(from);
    if (file === undefined) return Promise.reject(notFound(from));
    this.files.delete(from);
    this.files.set(to, file);
    return Promise.resolve();
  }

  unlink(path: string): Promise<void> {
    if (!this.files.delete(path)) return Promise.reject(notFound(path));
    return Promise.resolve();
  }
}

function notFound(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory '${path}' (in ${dirname(path)})`), { code: "ENOENT" });
}

function attempt<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
