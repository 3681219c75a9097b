import { lstat, readlink, realpath, rm, rmdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ProtectedPaths } from "../workspace/index.js";
import { isInside } from "./command-request.js";
import { findProtectedEntries } from "./protected-walk.js";

/**
 * How the workspace's protected paths (src/workspace/protected-paths.ts) are mounted for one command, and
 * what to check after it. Git runs hooks and `core.fsmonitor` from any repository's `.git`, from the
 * `core.hooksPath` directory and `.husky`; Spark and editors trust `.spark`, `.vscode`, `.idea`. Those that
 * exist are bound read-only; a missing root directory gets an empty read-only one (bubblewrap makes the
 * mount point on the host; it is removed afterwards); and whatever protected entry the command still managed
 * to create (a nested `sub/.git` from `git init sub`) is removed after it, so the host never runs it.
 */
export interface ProtectedMounts {
  /** Real paths inside the workspace to bind read-only. */
  readOnly: string[];
  /** Absolute paths of missing protected roots, each an empty read-only directory for the command. */
  emptyReadOnly: string[];
  /** Workspace-relative protected entries that existed before the command. */
  before: ReadonlySet<string>;
  /** Protected entries that are symlinks (a bind follows them, so the link itself could be replaced). */
  symlinks: ReadonlyArray<{ path: string; target: string }>;
}

export async function prepareProtectedMounts(protectedPaths: ProtectedPaths): Promise<ProtectedMounts> {
  const { workspace } = protectedPaths;
  const found = new Set(await findProtectedEntries(protectedPaths));
  const emptyReadOnly: string[] = [];
  for (const root of protectedPaths.roots) {
    const path = join(workspace, root);
    if (await exists(path)) found.add(root);
    // Inside another protected entry (a hooksPath of .git/hooks) it is read-only already, and no mount
    // point can be made there; with no parent, the check after the command catches what gets created.
    else if (protectedPaths.reasonFor(dirname(root)) === undefined && (await exists(dirname(path)))) emptyReadOnly.push(path);
  }
  const readOnly: string[] = [];
  const symlinks: Array<{ path: string; target: string }> = [];
  for (const rel of found) {
    const path = join(workspace, rel);
    const link = await readlink(path).catch(() => undefined);
    if (link !== undefined) symlinks.push({ path, target: link });
    const real = await realpath(path).catch(() => undefined);
    // Outside the workspace (a worktree's .git pointing elsewhere) it is read-only already.
    if (real !== undefined && real !== workspace && isInside(workspace, real) && !readOnly.includes(real)) readOnly.push(real);
  }
  return { readOnly, emptyReadOnly, before: found, symlinks };
}

/**
 * After the command: removes the empty mount points, puts back a protected symlink the command replaced, and
 * removes every protected entry that is new. Returns one line per change, for the command's output.
 */
export async function settleProtectedMounts(protectedPaths: ProtectedPaths, mounts: ProtectedMounts): Promise<string[]> {
  // rmdir refuses a non-empty directory and anything that is not a directory.
  for (const path of mounts.emptyReadOnly) await rmdir(path).catch(() => undefined);
  const notes: string[] = [];
  for (const { path, target } of mounts.symlinks) {
    if ((await readlink(path).catch(() => undefined)) === target) continue;
    await rm(path, { recursive: true, force: true });
    await symlink(target, path);
    notes.push(`restored the symlink ${path} -> ${target}, which the command replaced`);
  }
  for (const rel of await findProtectedEntries(protectedPaths)) {
    if (mounts.before.has(rel)) continue;
    await rm(join(protectedPaths.workspace, rel), { recursive: true, force: true });
    notes.push(`removed ${rel}, which the command created: ${protectedPaths.reasonFor(rel) ?? "it is protected"}`);
  }
  return notes;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
