import { lstat, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { sameName } from "./protected-paths.js";

/**
 * A directory git takes for a repository even though nothing in it is named `.git`: repository discovery
 * (setup.c, is_git_directory) accepts any directory holding a `HEAD` file and `objects/` and `refs/`
 * directories (or a `commondir` file that points to them) as a bare repository. `cd docs && git status`
 * in such a directory reads `docs/config`, whose `core.fsmonitor`, hooks and `core.worktree` then run on
 * the host, so a patch may neither write inside one nor complete one.
 *
 * Only the names count, not whether `HEAD` holds a valid ref: the check errs towards refusing.
 */
export const GIT_DIR_SHAPE_REASON =
  "git would take that directory for a repository (it has a HEAD file and objects/ and refs/ directories) and run what its config names on your next git command there";

/** Files that will exist after the pending writes, as absolute real paths; empty for the disk as it is. */
export type PendingFiles = readonly string[];

/** Whether git would take `dir` for a git directory, on disk or once `pending` files are written. */
export async function gitDirShaped(dir: string, pending: PendingFiles = []): Promise<boolean> {
  const pendingInside = pending.map((path) => relative(dir, path).split(sep)).filter((parts) => parts[0] !== ".." && parts[0] !== "");
  const pendingNamed = (name: string, asDirectory: boolean) =>
    pendingInside.some((parts) => (parts.length > 1) === asDirectory && sameName(parts[0] ?? "", name.toLowerCase()));
  const hasFile = async (name: string) => pendingNamed(name, false) || (await isFile(join(dir, name)));
  const hasDirectory = async (name: string) => pendingNamed(name, true) || (await isDirectory(join(dir, name)));
  if (!(await hasFile("HEAD"))) return false;
  if (await hasFile("commondir")) return true;
  return (await hasDirectory("objects")) && (await hasDirectory("refs"));
}

/**
 * The nearest directory, from `target`'s parent up to `root` itself, that is git-dir shaped once the
 * pending files are written (relative to `root`, "." for the root); undefined when none is.
 */
export async function gitDirShapedAncestor(root: string, target: string, pending: PendingFiles = []): Promise<string | undefined> {
  for (let dir = dirname(target); isWithin(root, dir); dir = dirname(dir)) {
    if (await gitDirShaped(dir, pending)) return relative(root, dir).split(sep).join("/") || ".";
    if (dir === root) break;
  }
  return undefined;
}

function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep));
}

/** Anything but a directory: git also accepts a HEAD that is a symbolic link, even a dangling one. */
async function isFile(path: string): Promise<boolean> {
  const stats = await lstat(path).catch(() => undefined);
  return stats !== undefined && !stats.isDirectory();
}

/** git checks with access(), which follows symbolic links: so does stat. */
async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}
