import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/** Files and directories a sandboxed command must not read, and which to hide with /dev/null or a tmpfs. */
export interface PrivateEntries {
  files: string[];
  dirs: string[];
}

export interface ScanBounds {
  /** Levels below the root to look at (1: its entries only). */
  depth: number;
  /** Entries to look at in all; beyond, the rest is not scanned. */
  maxEntries: number;
}

/**
 * Entries under `root` that other users may not read (no `o+r`): /etc/shadow, ssh host keys, sudoers,
 * /etc/ssl/private, debconf's passwords, a token file in a toolchain. Their mode already says they are
 * secret; but uid 0 inside the sandbox reads root's 0600 files even without capabilities, and a user's own
 * 0600 files are the user's, so the sandbox hides them whoever runs it. Symlinks are not followed.
 */
export async function scanPrivateEntries(root: string, bounds: ScanBounds, skip: ReadonlySet<string> = new Set()): Promise<PrivateEntries> {
  const found: PrivateEntries = { files: [], dirs: [] };
  let budget = bounds.maxEntries;
  let level: string[] = [root];
  for (let depth = 1; depth <= bounds.depth && level.length > 0 && budget > 0; depth += 1) {
    const next: string[] = [];
    for (const dir of level) {
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names.slice(0, budget)) {
        budget -= 1;
        const path = join(dir, name);
        if (skip.has(path)) continue;
        const stats = await lstat(path).catch(() => undefined);
        if (stats === undefined || stats.isSymbolicLink()) continue;
        const othersMayRead = (stats.mode & 0o004) !== 0;
        if (stats.isDirectory()) {
          if (othersMayRead) next.push(path);
          else found.dirs.push(path);
        } else if (stats.isFile() && !othersMayRead) {
          found.files.push(path);
        }
      }
      if (budget <= 0) break;
    }
    level = next;
  }
  return found;
}
