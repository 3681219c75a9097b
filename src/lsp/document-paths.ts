import { isAbsolute, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The file-system path of a `file:` URI, or undefined for other schemes (untitled, git, …). */
export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/**
 * How a document is named to the model and inside the in-memory workspace: relative to the workspace
 * folder that holds it, else its whole path made relative ("home/me/a.ts"), else a name under
 * "untitled/". Always "/"-separated, never absolute, never with "..".
 */
export function documentPath(uri: string, roots: readonly string[]): string {
  const file = filePathOf(uri);
  if (file === undefined) {
    const name = uri.replace(/^[a-z][a-z0-9+.-]*:/i, "").replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+/, "");
    return `untitled/${name || "document"}`;
  }
  for (const root of roots) {
    const rel = relative(root, file);
    if (rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) return rel.split(sep).join("/");
  }
  return file
    .split(sep)
    .filter((part) => part !== "" && !part.endsWith(":"))
    .join("/");
}
