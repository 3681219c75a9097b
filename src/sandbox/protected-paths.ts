import { lstat, realpath, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { isInside } from "./command-request.js";

/**
 * Workspace entries a sandboxed command may read but not change. Git hooks and `core.fsmonitor`
 * in .git/config run later, outside the sandbox, on the user's next git command: a writable .git
 * would let a sandboxed command plant code that escapes it.
 */
const PROTECTED_ENTRIES = [".git"];

/** Real paths of the protected entries that exist inside this workspace. */
export async function protectedWorkspacePaths(workspace: string): Promise<string[]> {
  const paths: string[] = [];
  for (const entry of PROTECTED_ENTRIES) {
    const real = await realpathOrUndefined(join(workspace, entry));
    // Outside the workspace (a worktree's .git file pointing elsewhere) it is read-only already.
    if (real !== undefined && isInside(workspace, real) && real !== workspace) paths.push(real);
  }
  return paths;
}

/**
 * Protected entries absent from this workspace. Without a .git a sandboxed command could
 * `git init` one and plant hooks in it, so these get an empty read-only directory instead.
 * bubblewrap creates the mount point on the host; removeEmptyMountPoints takes it away again.
 */
export async function missingProtectedPaths(workspace: string): Promise<string[]> {
  const paths: string[] = [];
  for (const entry of PROTECTED_ENTRIES) {
    const path = join(workspace, entry);
    if (!(await exists(path))) paths.push(path);
  }
  return paths;
}

/** Removes the mount points bubblewrap left for missing entries; only empty directories go. */
export async function removeEmptyMountPoints(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    // rmdir refuses a non-empty directory, and anything that is not a directory.
    await rmdir(path).catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function realpathOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}
