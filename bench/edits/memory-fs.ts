import type { Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import type { PatchDirectory, PatchFileHandle, PatchFs } from "../../src/edits/index.js";

/**
 * An in-memory PatchFs, so the benchmark can time Spark's engine (parse, match, plan, atomic-write
 * protocol) without the disk's fsync latency dominating, on the same footing as the in-memory baseline.
 * Regular files and directories only; no symlinks.
 */
export class MemoryPatchFs implements PatchFs {
  private readonly files = new Map<string, { data: Uint8Array; mode: number }>();
  private readonly dirs = new Set<string>(["/"]);

  constructor(root: string, contents: Readonly<Record<string, string>>) {
    this.addDir(root);
    for (const [path, text] of Object.entries(contents)) {
      const full = resolve(root, path);
      this.addDir(dirname(full));
      this.files.set(full, { data: Buffer.from(text, "utf8"), mode: 0o644 });
    }
  }

  /** Every file under `root`, relative path -> text. */
  snapshot(root: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [path, file] of this.files) if (path.startsWith(`${root}/`)) out[path.slice(root.length + 1)] = Buffer.from(file.data).toString("utf8");
    return out;
  }

  private addDir(path: string): void {
    for (let dir = path; !this.dirs.has(dir); dir = dirname(dir)) this.dirs.add(dir);
  }

  private stats(path: string): Stats {
    const file = this.files.get(path);
    const isDir = this.dirs.has(path);
    if (file === undefined && !isDir) throw missing(path);
    const stats = {
      isFile: () => file !== undefined,
      isDirectory: () => isDir,
      isSymbolicLink: () => false,
      mode: isDir ? 0o40755 : 0o100000 | (file?.mode ?? 0o644),
      size: file?.data.length ?? 0,
    };
    // Only these members are read by the patch engine; a full fs.Stats is not needed.
    return stats as unknown as Stats;
  }

  lstat = async (path: string): Promise<Stats> => this.stats(resolve(path));
  stat = async (path: string): Promise<Stats> => this.stats(resolve(path));

  realpath = async (path: string): Promise<string> => {
    const full = resolve(path);
    if (!this.files.has(full) && !this.dirs.has(full)) throw missing(full);
    return full;
  };

  readlink = async (path: string): Promise<string> => {
    throw Object.assign(new Error(`EINVAL: not a link, readlink '${path}'`), { code: "EINVAL" });
  };

  readFile = async (path: string): Promise<Uint8Array> => {
    const file = this.files.get(resolve(path));
    if (file === undefined) throw missing(path);
    return file.data;
  };

  mkdir = async (path: string): Promise<void> => {
    this.addDir(resolve(path));
  };

  openExclusive = async (path: string, mode: number): Promise<PatchFileHandle> => {
    const full = resolve(path);
    if (this.files.has(full) || this.dirs.has(full)) throw Object.assign(new Error(`EEXIST: ${full}`), { code: "EEXIST" });
    if (!this.dirs.has(dirname(full))) throw missing(full);
    const entry = { data: new Uint8Array(0), mode: mode & 0o7777 };
    this.files.set(full, entry);
    return {
      write: async (data, offset, length, position) => {
        const end = position + length;
        if (end > entry.data.length) {
          const grown = new Uint8Array(end);
          grown.set(entry.data);
          entry.data = grown;
        }
        entry.data.set(data.subarray(offset, offset + length), position);
        return { bytesWritten: length };
      },
      sync: async () => undefined,
      chmod: async (newMode) => {
        entry.mode = newMode & 0o7777;
      },
      close: async () => undefined,
    };
  };

  openDirectory = async (path: string): Promise<PatchDirectory> => {
    const full = resolve(path);
    if (!this.dirs.has(full)) throw missing(full);
    return { path: full, sync: async () => undefined, close: async () => undefined };
  };

  rename = async (from: string, to: string): Promise<void> => {
    const file = this.files.get(resolve(from));
    if (file === undefined) throw missing(from);
    this.files.delete(resolve(from));
    this.files.set(resolve(to), file);
  };

  unlink = async (path: string): Promise<void> => {
    if (!this.files.delete(resolve(path))) throw missing(path);
  };
}

function missing(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, '${path}'`), { code: "ENOENT" });
}
