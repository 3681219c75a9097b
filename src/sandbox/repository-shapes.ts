import type { ScannedEntry } from "./workspace-scan.js";

/**
 * Folders git would take for a repository without any `.git` in their name: git's discovery also accepts a
 * bare repository, any directory with a `HEAD` beside `objects/` and `refs/` (its is_git_directory test), so
 * `docs/HEAD` + `docs/config` (with `core.fsmonitor`) + `docs/objects/` + `docs/refs/` makes `cd docs &&
 * git status` on the host run what the config says. git follows symlinks for all three, so a link counts.
 * Returns their workspace-relative paths ("" for the workspace itself).
 */
export function findRepositoryShapes(entries: readonly ScannedEntry[]): string[] {
  const kinds = new Map(entries.map((entry) => [entry.rel, entry.type]));
  const isDirLike = (rel: string) => ["d", "l"].includes(kinds.get(rel) ?? "");
  const shapes: string[] = [];
  for (const entry of entries) {
    if (!(entry.rel === "HEAD" || entry.rel.endsWith("/HEAD")) || !["f", "l"].includes(entry.type)) continue;
    const dir = entry.rel.slice(0, -"HEAD".length).replace(/\/$/, "");
    const prefix = dir === "" ? "" : `${dir}/`;
    if (isDirLike(`${prefix}objects`) && isDirLike(`${prefix}refs`)) shapes.push(dir);
  }
  return shapes;
}
