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
  /** `*** End of File` followed the hunk: its lines should be the last lines of the file. */
  endOfFile: boolean;
  /** 1-based line of the patch text where the hunk starts, for error messages. */
  sourceLine: number;
}

export interface AddFileOperation {
  kind: "add";
  path: string;
  /** The complete new file text; every line ends with "\n" (as Codex writes it). */
  contents: string;
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

export type PatchFormat = "codex" | "search-replace";

export interface ParsedPatch {
  format: PatchFormat;
  operations: FileOperation[];
}
