import type { FileOperation, Hunk, UpdateFileOperation } from "./patch-types.js";
import { readStartLine, stripLineNumbers, stripNewSideNumbers } from "./line-number-hints.js";
import { parseError, splitPatchLines } from "./patch-lines.js";
import { splitElidedHunk } from "./split-elided-hunk.js";

/**
 * aider-style SEARCH/REPLACE blocks:
 *
 *     src/app.ts
 *     ```ts
 *     <<<<<<< SEARCH
 *     old lines
 *     =======
 *     new lines
 *     >>>>>>> REPLACE
 *     ```
 *
 * The path is the line before the block (fence lines in between are skipped; a fence line such as
 * "```src/app.ts" may carry it); a block without one reuses the previous block's path. Each block
 * becomes its own update operation, so it searches the whole file as it is after the blocks before it,
 * as aider does, rather than only after the previous block. An empty SEARCH creates the file, or appends
 * to it when it exists.
 */

const SEARCH_MARKER = /^<{5,9} SEARCH>?$/;
const DIVIDER_MARKER = /^={5,9}$/;
const REPLACE_MARKER = /^>{5,9} REPLACE$/;
const FENCE = "```";
/** How far above `<<<<<<< SEARCH` the path line may be (path, fence, SEARCH is the usual shape). */
const PATH_LOOKBACK = 3;

function isSearchMarker(line: string): boolean {
  return SEARCH_MARKER.test(line.trim());
}

/** The first `<<<<<<< SEARCH` line, which marks SEARCH/REPLACE blocks. */
export function searchMarkerLine(lines: readonly string[]): number {
  return lines.findIndex(isSearchMarker);
}

export function parseSearchReplace(text: string): FileOperation[] {
  const lines = splitPatchLines(text);
  const operations: FileOperation[] = [];
  let previousPath: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (!isSearchMarker(lines[i] ?? "")) continue;
    const path = findPath(lines, i) ?? previousPath;
    if (path === undefined) {
      throw parseError(i, "expected the file path on the line before '<<<<<<< SEARCH'", lines[i]);
    }
    const block = readBlock(lines, i);
    operations.push(toOperation(path, block.search, block.replace, i));
    previousPath = path;
    i = block.end;
  }
  if (operations.length === 0) {
    throw parseError(0, "expected SEARCH/REPLACE blocks ('<<<<<<< SEARCH', '=======', '>>>>>>> REPLACE')");
  }
  return operations;
}

interface Block {
  search: string[];
  replace: string[];
  /** Index of the `>>>>>>> REPLACE` line. */
  end: number;
}

function readBlock(lines: string[], searchLine: number): Block {
  const search: string[] = [];
  let i = searchLine + 1;
  for (; i < lines.length && !DIVIDER_MARKER.test((lines[i] ?? "").trim()); i++) {
    const line = lines[i] ?? "";
    if (isSearchMarker(line) || REPLACE_MARKER.test(line.trim())) {
      throw parseError(i, `expected '=======' to end the SEARCH section started on line ${searchLine + 1}`, line);
    }
    search.push(line);
  }
  if (i >= lines.length) {
    throw parseError(searchLine, "expected '=======' after the SEARCH section; the block looks cut off, so nothing was applied");
  }
  const replace: string[] = [];
  for (i++; i < lines.length && !REPLACE_MARKER.test((lines[i] ?? "").trim()); i++) {
    const line = lines[i] ?? "";
    if (isSearchMarker(line) || DIVIDER_MARKER.test(line.trim())) {
      throw parseError(i, `expected '>>>>>>> REPLACE' to end the block started on line ${searchLine + 1}`, line);
    }
    replace.push(line);
  }
  if (i >= lines.length) {
    throw parseError(searchLine, "expected '>>>>>>> REPLACE' to end the block; the block looks cut off, so nothing was applied");
  }
  return { search, replace, end: i };
}

function toOperation(path: string, rawSearch: string[], rawReplace: string[], searchLine: number): UpdateFileOperation {
  const { search, replace, hint } = withoutLineNumbers(rawSearch, rawReplace);
  // aider treats a SEARCH of only blank lines as empty: "append to (or create) this file".
  const oldLines = search.every((line) => line.trim() === "") ? [] : search;
  const hunk: Hunk = { contextHeaders: [], oldLines, newLines: replace, endOfFile: false, sourceLine: searchLine + 1 };
  if (hint !== undefined) hunk.lineHint = hint;
  return {
    kind: "update",
    path,
    hunks: splitElidedHunk(hunk),
    createIfMissing: oldLines.length === 0,
    sourceLine: searchLine + 1,
  };
}

/** The block's text without the line numbers a model copied into it, and the first of them as a hint. */
function withoutLineNumbers(search: string[], replace: string[]): { search: string[]; replace: string[]; hint?: number } {
  const header = readStartLine(search);
  const numbered = stripLineNumbers(header.lines);
  if (numbered === undefined) return header.hint === undefined ? { search: header.lines, replace } : { search: header.lines, replace, hint: header.hint };
  return { search: numbered.lines, replace: stripNewSideNumbers(replace), hint: header.hint ?? numbered.hint ?? 1 };
}

/** The path written above the block at `searchLine`, looking past fence lines as aider does. */
function findPath(lines: string[], searchLine: number): string | undefined {
  for (let i = searchLine - 1; i >= Math.max(0, searchLine - PATH_LOOKBACK); i--) {
    const line = (lines[i] ?? "").trim();
    if (line.startsWith(FENCE)) {
      const candidate = line.slice(FENCE.length).trim();
      // "```ts" names a language, "```src/a.ts" a file.
      if (/[./]/.test(candidate) && !/\s/.test(candidate)) return candidate;
      continue;
    }
    return pathFromLine(line);
  }
  return undefined;
}

/** Strips the decorations models put around a path ("**a.ts**", "`a.ts`:", "# a.ts"); prose is not a path. */
function pathFromLine(line: string): string | undefined {
  if (REPLACE_MARKER.test(line) || DIVIDER_MARKER.test(line)) return undefined;
  const candidate = line
    .replace(/:$/, "")
    .replace(/^#+/, "")
    .trim()
    .replace(/^[`*'"]+|[`*'"]+$/g, "")
    .trim();
  if (candidate === "" || candidate === "..." || /\s/.test(candidate)) return undefined;
  return candidate;
}
