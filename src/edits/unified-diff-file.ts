import type { FileOperation, Hunk } from "./patch-types.js";
import { parseError } from "./patch-lines.js";

/** One file's part of a unified diff, as read, before it becomes a file operation. */
export interface DiffFile {
  /** 1-based patch line where the file's headers start. */
  sourceLine: number;
  git: boolean;
  /** From `---`; null for /dev/null. */
  oldPath?: string | null;
  /** From `+++`; null for /dev/null. */
  newPath?: string | null;
  /** From `diff --git a/X b/Y`, used when the file has no `---`/`+++` lines (a pure rename). */
  headerPath?: string;
  renameFrom?: string;
  renameTo?: string;
  created: boolean;
  deleted: boolean;
  /** `\ No newline at end of file` after the last added line of a new file. */
  noFinalNewline: boolean;
  hunks: Hunk[];
}

const DEV_NULL = "/dev/null";

export function newDiffFile(sourceLine: number, headerPath?: string): DiffFile {
  const file: DiffFile = { sourceLine, git: headerPath !== undefined, created: false, deleted: false, noFinalNewline: false, hunks: [] };
  if (headerPath !== undefined) file.headerPath = headerPath;
  return file;
}

/**
 * A path from a `---`/`+++` line: without `diff -u`'s tab and timestamp, git's quoting, and git's `a/`
 * or `b/` prefix (as `git apply` and `patch -p1` strip it). null for /dev/null.
 */
export function readDiffPath(field: string, stripPrefix = true): string | null {
  const raw = field.split("\t")[0]?.trimEnd() ?? "";
  const path = raw.startsWith('"') ? unquote(raw) : raw;
  if (path === DEV_NULL) return null;
  return stripPrefix ? path.replace(/^[ab]\//, "") : path;
}

/** The path named by `diff --git a/X b/X` (X, when both sides agree; the b side otherwise). */
export function readGitHeaderPaths(line: string): string {
  const rest = line.slice("diff --git ".length);
  const half = (rest.length - 1) / 2;
  const [a, b] = [rest.slice(0, half), rest.slice(half + 1)];
  if (Number.isInteger(half) && a.replace(/^a\//, "") === b.replace(/^b\//, "")) return a.replace(/^a\//, "");
  const split = rest.lastIndexOf(" b/");
  return split >= 0 ? rest.slice(split + 3) : rest;
}

/** git's C-style quoting of unusual paths: "a/tab\there". */
function unquote(quoted: string): string {
  const body = quoted.slice(1, quoted.endsWith('"') ? -1 : undefined);
  const escapes: Record<string, string> = { n: "\n", t: "\t", '"': '"', "\\": "\\" };
  const bytes = body.replace(/\\([0-7]{3}|.)/g, (_, code: string) => (code.length === 3 ? String.fromCharCode(parseInt(code, 8)) : (escapes[code] ?? code)));
  // Octal escapes are UTF-8 bytes, one per char above; turn them back into text.
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/**
 * What a file's diff asks for. New (`--- /dev/null` or `new file mode`): its added lines become the file,
 * which must not exist yet. Deleted (`+++ /dev/null`): a deletion. Renamed (git's `rename from`/`rename
 * to`): an update of the old path moved to the new one, with or without hunks. Otherwise an update of the
 * `+++` path, as `git apply` does when the two names differ. A change of mode alone changes nothing here.
 */
export function diffFileOperation(file: DiffFile): FileOperation[] {
  const sourceLine = file.sourceLine;
  if (file.created || (file.oldPath === null && file.newPath !== null)) {
    const path = file.newPath ?? file.renameTo ?? file.headerPath;
    if (path === undefined || path === null) throw parseError(sourceLine - 1, "a new file needs a '+++ b/PATH' line");
    const lines = file.hunks.flatMap((hunk) => hunk.newLines);
    const text = lines.join("\n") + (lines.length > 0 && !file.noFinalNewline ? "\n" : "");
    return [{ kind: "add", path, contents: text, sourceLine, mustNotExist: true }];
  }
  if (file.deleted || file.newPath === null) {
    const path = file.oldPath ?? file.headerPath;
    if (path === undefined || path === null) throw parseError(sourceLine - 1, "a deleted file needs a '--- a/PATH' line");
    return [{ kind: "delete", path, sourceLine }];
  }
  const renamed = file.renameFrom !== undefined && file.renameTo !== undefined && file.renameFrom !== file.renameTo;
  const path = renamed ? file.renameFrom : (file.newPath ?? file.headerPath);
  if (path === undefined) throw parseError(sourceLine - 1, "expected '--- a/PATH' and '+++ b/PATH' lines naming the file");
  if (file.hunks.length === 0 && !renamed) return [];
  const moveTo = renamed && file.renameTo !== undefined ? { moveTo: file.renameTo } : {};
  return [{ kind: "update", path, ...moveTo, hunks: file.hunks, createIfMissing: false, sourceLine }];
}
