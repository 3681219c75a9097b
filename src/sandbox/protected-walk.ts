import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ProtectedPaths } from "../workspace/index.js";

/** How far the walk looks: nested repositories and `[sandbox] protected` matches deeper than this are not seen. */
export const WALK_MAX_DEPTH = 6;
export const WALK_MAX_ENTRIES = 5_000;

/** Directories never walked: installed packages are many and are not where git looks for a repository. */
const NOT_WALKED = new Set(["node_modules"]);

/**
 * Workspace-relative paths of the protected entries in the workspace ("/"-separated): nested `.git`
 * directories and files, the protected root directories, `[sandbox] protected` matches. The walk is bounded
 * (breadth first, so shallow entries always count) and does not go into a protected entry or follow a symlink.
 */
export async function findProtectedEntries(protectedPaths: ProtectedPaths): Promise<string[]> {
  const found: string[] = [];
  let budget = WALK_MAX_ENTRIES;
  let level = [""];
  for (let depth = 1; depth <= WALK_MAX_DEPTH && level.length > 0 && budget > 0; depth += 1) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await readdir(join(protectedPaths.workspace, dir), { withFileTypes: true }).catch(() => []);
      for (const entry of entries.slice(0, budget)) {
        budget -= 1;
        const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
        if (protectedPaths.reasonFor(rel) !== undefined) found.push(rel);
        else if (entry.isDirectory() && !NOT_WALKED.has(entry.name)) next.push(rel);
      }
      if (budget <= 0) break;
    }
    level = next;
  }
  return found;
}
