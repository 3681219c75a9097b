import type { FileOperation } from "./patch-types.js";
import { parseError, splitPatchLines } from "./patch-lines.js";
import { addHunkBodyLine, emptyHunk } from "./hunk-body.js";
import { type DiffFile, diffFileOperation, newDiffFile, readDiffPath, readGitHeaderPaths } from "./unified-diff-file.js";

/**
 * Unified diffs as `git diff`, `diff -u` and models write them, and aider's udiff (hunks whose `@@ ... @@`
 * carries no line numbers). Hunks are read by their line prefixes, not by the counts in `@@ -l,n +l,n @@`
 * (models get those wrong); the old start line is kept only as a hint for choosing among equal matches.
 * Text around the diff (prose, ``` fences) is skipped. The `diff` npm package's parsePatch is not used:
 * it reads a hunk's body by those counts and requires numeric ranges, so the diffs models write misparse.
 */

const GIT_HEADER = "diff --git ";
const NUMBERED_HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

/** The first line that starts a diff: `diff --git`, a `---`/`+++` pair, or a numbered `@@` line. */
export function unifiedDiffMarkerLine(lines: readonly string[]): number {
  return lines.findIndex((line, i) => line.startsWith(GIT_HEADER) || isFileHeaderPair(lines, i) || NUMBERED_HUNK.test(line));
}

function isFileHeaderPair(lines: readonly string[], i: number): boolean {
  return (lines[i] ?? "").startsWith("--- ") && (lines[i + 1] ?? "").startsWith("+++ ");
}

export function parseUnifiedDiff(text: string): FileOperation[] {
  const lines = splitPatchLines(text);
  const files: DiffFile[] = [];
  let current: DiffFile | undefined;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (line.startsWith(GIT_HEADER)) {
      current = newDiffFile(i + 1, readGitHeaderPaths(line));
      files.push(current);
      i = readExtendedHeaders(lines, i + 1, current);
    } else if (isFileHeaderPair(lines, i)) {
      current = startFile(files, current, i);
      current.oldPath = readDiffPath(line.slice(4));
      current.newPath = readDiffPath((lines[i + 1] ?? "").slice(4));
      i += 2;
    } else if (line.startsWith("@@")) {
      if (current === undefined) throw parseError(i, "expected '--- a/PATH' and '+++ b/PATH' lines naming the file before the first '@@' hunk", line);
      i = readHunk(lines, i, current);
    } else {
      i++;
    }
  }
  const operations = files.flatMap((file) => diffFileOperation(file));
  if (operations.length === 0) throw parseError(0, "the diff changes no file (expected '--- a/PATH', '+++ b/PATH' and '@@' hunks)");
  return operations;
}

/** A `---`/`+++` pair right after `diff --git` belongs to that file; anywhere else it starts a new one. */
function startFile(files: DiffFile[], current: DiffFile | undefined, i: number): DiffFile {
  if (current !== undefined && current.hunks.length === 0 && current.oldPath === undefined && current.git) return current;
  const file = newDiffFile(i + 1);
  files.push(file);
  return file;
}

/** git's lines between `diff --git` and the first `---` or `@@`: new, deleted, renamed, binary. */
function readExtendedHeaders(lines: readonly string[], start: number, file: DiffFile): number {
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.startsWith("new file mode")) file.created = true;
    else if (line.startsWith("deleted file mode")) file.deleted = true;
    else if (line.startsWith("rename from ")) file.renameFrom = renamePath(line, "rename from ");
    else if (line.startsWith("rename to ")) file.renameTo = renamePath(line, "rename to ");
    else if (line.startsWith("Binary files ") || line === "GIT binary patch") {
      throw parseError(i, "binary patches are not supported; Spark's patches edit text files only", line);
    } else if (!/^(old mode|new mode|similarity index|dissimilarity index|index |copy from |copy to )/.test(line)) break;
  }
  return i;
}

/** git writes rename paths without the a/ b/ prefixes. */
function renamePath(line: string, marker: string): string {
  return readDiffPath(line.slice(marker.length), false) ?? line.slice(marker.length);
}

/** Reads one hunk from its `@@` line; returns the index of the first line after it. */
function readHunk(lines: readonly string[], start: number, file: DiffFile): number {
  const header = lines[start] ?? "";
  const numbered = NUMBERED_HUNK.exec(header);
  const anchor = (numbered ? (numbered[5] ?? "") : header.replace(/^@@+|@@+$/g, "")).trim();
  const hunk = emptyHunk(start + 1, anchor === "" || anchor === "..." ? [] : [anchor]);
  let remaining = numbered ? { old: countOf(numbered[2]), new: countOf(numbered[4]) } : undefined;
  if (numbered) hunk.lineHint = Number(numbered[1]);
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (endsHunk(lines, i, remaining)) break;
    // A blank line ends the hunk once its counts are met, or when no body line follows (prose after a diff).
    if (line === "" && (countsMet(remaining) || !bodyFollows(lines, i))) break;
    if (line.startsWith("\\") && hunk.newLines.length > 0 && lines[i - 1]?.startsWith("+") === true) file.noFinalNewline = true;
    if (!addHunkBodyLine(hunk, line)) break;
    remaining = remaining === undefined ? undefined : countDown(remaining, line);
  }
  if (i === start + 1) throw parseError(start, "the hunk has no lines after '@@'; expected lines starting with ' ', '-' or '+'", header);
  file.hunks.push(hunk);
  return i;
}

function countOf(text: string | undefined): number {
  return text === undefined ? 1 : Number(text);
}

function countsMet(remaining: { old: number; new: number } | undefined): boolean {
  return remaining !== undefined && remaining.old <= 0 && remaining.new <= 0;
}

function countDown(remaining: { old: number; new: number }, line: string): { old: number; new: number } {
  const kind = line[0] ?? " ";
  return { old: remaining.old - (kind === "+" ? 0 : 1), new: remaining.new - (kind === "-" ? 0 : 1) };
}

/**
 * A line that ends the body: the next hunk or file. `--- x` followed by `+++ y` is a removed line
 * `-- x` while the header's counts say the hunk still has lines on both sides.
 */
function endsHunk(lines: readonly string[], i: number, remaining: { old: number; new: number } | undefined): boolean {
  const line = lines[i] ?? "";
  if (line.startsWith("@@") || line.startsWith(GIT_HEADER) || line.startsWith("Index: ")) return true;
  if (!isFileHeaderPair(lines, i)) return false;
  return remaining === undefined || remaining.old <= 0 || remaining.new <= 0;
}

/** An empty line is an empty context line only when more body lines of the same hunk follow it. */
function bodyFollows(lines: readonly string[], i: number): boolean {
  let k = i;
  while (k < lines.length && lines[k] === "") k++;
  const next = lines[k];
  return next !== undefined && /^[ +\-\\]/.test(next) && !endsHunk(lines, k, undefined);
}

