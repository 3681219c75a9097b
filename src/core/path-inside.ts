import { isAbsolute, relative, sep } from "node:path";

/** Whether `path` is `root` or lies below it, compared as written (resolve symlinks first where it matters). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
