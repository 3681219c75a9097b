/**
 * The parsed model of a patch, shared by both input grammars. Paths are exactly as written in the
 * patch (relative to the workspace); nothing here has touched the file system yet.
 */

/** One replacement inside a file: find `oldLines`, put `newLines` in their place. */
export interface Hunk {
  /**
   * The texts of the `@@ ...` lines before the hunk, outermost first (Codex's prompt lets a model stack
   * several, e.g. `@@ class A` then `@@ def f():`). Each is searched in turn and anchors the search for
   * the hunk after it. Empty when the hunk had a bare `@@` or none.
   */
  contextHeaders: string[];
  /** Lines to find (context and removed lines, in order). Empty = a pure insertion. */
  oldLines: string[];
  /** Lines to put in their place (context and added lines, in order). */
  newLines: string[];
  /**
   * Codex hunks only: the context (' ') lines, as [index in oldLines, index in newLines] pairs in
   * increasing order. The applier keeps the file's own text for exactly these lines; every other old
   * line is removed and every other new line is added. Absent for SEARCH/REPLACE blocks, which have no
   * markers: the applier pairs equal lines of the two sides instead.
   */
  context?: Array<[oldIndex: number, newIndex: number]>;
  /** `*** End of File` followed the hunk: its lines should be the last lines of the file. */
  endOfFile: boolean;
  /**
   * 1-based line of the file where the writer said the old lines start (a unified diff's `@@ -l,n`, a
   * SEARCH block's `:start_line:`, `N | ` prefixes). Only a hint: it picks among places that match equally
   * well, and never places a hunk by itself (a hunk with a hint and no old lines is refused on a non-empty
   * file, because nothing but a possibly wrong number would say where it goes).
   */
  lineHint?: number;
  /**
   * A string replacement (`old_string`/`new_string`): oldLines and newLines are the two texts split at
   * line breaks, found as text anywhere in the file (not only as whole lines) before the line matcher is
   * tried; `replaceAll` changes every occurrence instead of refusing an ambiguous one.
   */
  literal?: { replaceAll: boolean };
  /** 1-based line of the patch text where the hunk starts, for error messages. */
  sourceLine: number;
}

export interface AddFileOperation {
  kind: "add";
  path: string;
  /** The complete new file text; every line ends with "\n" (as Codex writes it). */
  contents: string;
  /** A diff from /dev/null: refuse to overwrite an existing file (Codex's Add File overwrites). */
  mustNotExist?: boolean;
  sourceLine: number;
}

export interface DeleteFileOperation {
  kind: "delete";
  path: string;
  sourceLine: number;
}

export interface UpdateFileOperation {
  kind: "update";
  path: string;
  /** `*** Move to:` destination; the source is removed once the destination is written. */
  moveTo?: string;
  hunks: Hunk[];
  /**
   * A SEARCH/REPLACE block with an empty SEARCH creates the file when it does not exist (and appends
   * to it when it does). Codex updates never create files.
   */
  createIfMissing: boolean;
  sourceLine: number;
}

export type FileOperation = AddFileOperation | DeleteFileOperation | UpdateFileOperation;

/** "lazy": a lazy edit, written as one whole-file hunk once merged (apply-lazy-edit.ts). */
export type PatchFormat = "codex" | "search-replace" | "unified-diff" | "string-replace" | "lazy";

export interface ParsedPatch {
  format: PatchFormat;
  operations: FileOperation[];
}
