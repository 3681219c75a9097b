import { realpath } from "node:fs/promises";
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

async function realpathOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}
