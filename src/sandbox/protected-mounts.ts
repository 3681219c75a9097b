import { lstat, readlink, realpath, rm, rmdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ProtectedPaths } from "../workspace/index.js";
import { isInside } from "../core/index.js";
import { findRepositoryShapes } from "./repository-shapes.js";
import { CommandRefusedError } from "./sandbox-errors.js";
import type { ScannedEntry, WorkspaceScan } from "./workspace-scan.js";

/**
 * More read-only mounts than this is no project layout but a workspace built to choke bubblewrap (each one
 * is three arguments and a mount); refused, saying why.
 */
export const MAX_READ_ONLY_MOUNTS = 2_000;
/** What of a bare-repository-shaped workspace root git runs from; the root itself stays writable. */
const ROOT_REPOSITORY_PARTS = ["HEAD", "config", "hooks"];

/**
 * How the workspace's protected paths (src/workspace/protected-paths.ts) are mounted for one command, and
 * what to check after it. Git runs hooks and `core.fsmonitor` from any repository's `.git` and from any
 * folder shaped like a bare repository (repository-shapes.ts), from the `core.hooksPath` directory and
 * `.husky`; Spark and editors trust `.spark`, `.vscode`, `.idea`. Those that exist, at any depth, are bound
 * read-only; a missing root directory gets an empty read-only one (bubblewrap makes the mount point on the
 * host; it is removed afterwards); and whatever protected entry the command still managed to create (a nested
 * `sub/.git` from `git init sub`) is removed after it, so the host never runs it.
 */
export interface ProtectedMounts {
  /** Real paths inside the workspace to bind read-only. */
  readOnly: string[];
  /** Absolute paths of missing protected roots, each an empty read-only directory for the command. */
  emptyReadOnly: string[];
  /** Workspace-relative protected entries that existed before the command. */
  before: ReadonlySet<string>;
  /** Workspace-relative folders shaped like a bare repository before the command. */
  repositoriesBefore: ReadonlySet<string>;
  /** Protected entries that are symlinks (a bind follows them, so the link itself could be replaced). */
  symlinks: ReadonlyArray<{ path: string; target: string }>;
}

/** From a complete scan of the workspace before the command (an incomplete one is refused: see bubblewrap-sandbox.ts). */
export async function prepareProtectedMounts(protectedPaths: ProtectedPaths, scan: WorkspaceScan): Promise<ProtectedMounts> {
  const { workspace } = protectedPaths;
  const found = new Set(topmostProtected(protectedPaths, scan.entries).map((entry) => entry.rel));
  const repositories = findRepositoryShapes(scan.entries);
  const emptyReadOnly: string[] = [];
  for (const root of protectedPaths.roots) {
    const path = join(workspace, root);
    if (await exists(path)) found.add(root);
    // Inside another protected entry (a hooksPath of .git/hooks) it is read-only already, and no mount
    // point can be made there; with no parent, the check after the command catches what gets created.
    else if (protectedPaths.reasonFor(dirname(root)) === undefined && (await exists(dirname(path)))) emptyReadOnly.push(path);
  }
  const bound = [...found, ...repositories.flatMap((dir) => (dir === "" ? ROOT_REPOSITORY_PARTS : [dir]))];
  refuseUnmountable(scan.entries, bound);
  const readOnly: string[] = [];
  const symlinks: Array<{ path: string; target: string }> = [];
  for (const rel of bound) {
    const path = join(workspace, rel);
    const link = await readlink(path).catch(() => undefined);
    if (link !== undefined && found.has(rel)) symlinks.push({ path, target: link });
    const real = await realpath(path).catch(() => undefined);
    // Outside the workspace (a worktree's .git pointing elsewhere) it is read-only already.
    if (real !== undefined && real !== workspace && isInside(workspace, real) && !readOnly.includes(real)) readOnly.push(real);
  }
  return { readOnly, emptyReadOnly, before: found, repositoriesBefore: new Set(repositories), symlinks };
}

/**
 * Right after the command, before the workspace is scanned again: removes the empty mount points and puts
 * back a protected symlink the command replaced. Returns one line per change, for the command's output.
 */
export async function releaseProtectedMounts(mounts: ProtectedMounts): Promise<string[]> {
  // rmdir refuses a non-empty directory and anything that is not a directory.
  for (const path of mounts.emptyReadOnly) await rmdir(path).catch(() => undefined);
  const notes: string[] = [];
  for (const { path, target } of mounts.symlinks) {
    if ((await readlink(path).catch(() => undefined)) === target) continue;
    await rm(path, { recursive: true, force: true });
    await symlink(target, path);
    notes.push(`restored the symlink ${path} -> ${target}, which the command replaced`);
  }
  return notes;
}

/**
 * From the scan after the command: removes every protected entry that is new, and the `HEAD` of every new
 * bare-repository shape (without it git no longer takes the folder for a repository; the rest may be the
 * user's). An incomplete scan still acts on what it listed. Returns one line per change.
 */
export async function removeNewProtected(protectedPaths: ProtectedPaths, mounts: ProtectedMounts, scan: WorkspaceScan): Promise<string[]> {
  const notes: string[] = [];
  for (const entry of topmostProtected(protectedPaths, scan.entries)) {
    if (mounts.before.has(entry.rel)) continue;
    await rm(entry.path, { recursive: true, force: true });
    notes.push(`removed ${entry.rel}, which the command created: ${protectedPaths.reasonFor(entry.rel) ?? "it is protected"}`);
  }
  for (const dir of findRepositoryShapes(scan.entries)) {
    if (mounts.repositoriesBefore.has(dir)) continue;
    const head = Buffer.from(join(protectedPaths.workspace, dir, "HEAD"));
    if (!(await exists(head))) continue;
    await rm(head, { force: true });
    const where = dir === "" ? "the workspace" : dir;
    notes.push(`removed ${dir === "" ? "" : `${dir}/`}HEAD: the command made ${where} a bare git repository (HEAD, objects/, refs/), whose config your next git command there would run`);
  }
  return notes;
}

/** Protected entries not inside another one; find lists a folder before what is in it. */
function topmostProtected(protectedPaths: ProtectedPaths, entries: readonly ScannedEntry[]): ScannedEntry[] {
  const found: ScannedEntry[] = [];
  let inside: string | undefined;
  for (const entry of entries) {
    if (entry.rel === "" || (inside !== undefined && entry.rel.startsWith(`${inside}/`))) continue;
    if (protectedPaths.reasonFor(entry.rel) === undefined) continue;
    found.push(entry);
    inside = entry.rel;
  }
  return found;
}

function refuseUnmountable(entries: readonly ScannedEntry[], bound: readonly string[]): void {
  if (bound.length > MAX_READ_ONLY_MOUNTS) {
    throw new CommandRefusedError(
      `The workspace holds ${bound.length} nested repositories and protected entries, more than the ${MAX_READ_ONLY_MOUNTS} the sandbox mounts read-only. ` +
        "Run Spark in a smaller folder, or approve commands one by one (--approval suggest or auto-edit).",
    );
  }
  const names = new Set(bound);
  const unnamed = entries.find((entry) => !entry.utf8 && names.has(entry.rel));
  if (unnamed !== undefined) {
    throw new CommandRefusedError(`The protected entry ${JSON.stringify(unnamed.rel)} has a name that is not UTF-8, so the sandbox cannot mount it read-only; rename it.`);
  }
}

async function exists(path: string | Buffer): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
