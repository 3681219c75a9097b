import { commonLinePairs } from "./line-diff.js";
import { splitLinesKeepingEnds } from "./checkpoint-files.js";

/**
 * A unified diff (as `git diff` prints it) between two versions of one file, from the same longest
 * common subsequence the patch engine uses. Lines keep their own endings, so a CRLF file shows "\r"
 * only where it really changed, and a missing final newline is marked as git marks it.
 */

export interface FileDiffInput {
  path: string;
  /** null: the file does not exist on that side. */
  before: Uint8Array | null;
  after: Uint8Array | null;
  /** Permission bits, for the "new file mode" / "deleted file mode" lines. */
  beforeMode?: number | null | undefined;
  afterMode?: number | null | undefined;
}

export interface FileDiff {
  text: string;
  added: number;
  removed: number;
  binary: boolean;
}

const CONTEXT = 3;

interface Edit {
  kind: " " | "-" | "+";
  line: string;
  /** Lines of each side before this one. */
  oldPos: number;
  newPos: number;
}

export function unifiedFileDiff(input: FileDiffInput): FileDiff {
  const { path, before, after } = input;
  const header = [`diff --git a/${path} b/${path}`];
  if (before === null) header.push(`new file mode ${gitMode(input.afterMode)}`);
  if (after === null) header.push(`deleted file mode ${gitMode(input.beforeMode)}`);
  const oldName = before === null ? "/dev/null" : `a/${path}`;
  const newName = after === null ? "/dev/null" : `b/${path}`;
  if (isBinary(before) || isBinary(after)) {
    return { text: `${[...header, `Binary files ${oldName} and ${newName} differ`].join("\n")}\n`, added: 0, removed: 0, binary: true };
  }
  const oldLines = splitLinesKeepingEnds(decode(before));
  const newLines = splitLinesKeepingEnds(decode(after));
  const edits = editScript(oldLines, newLines);
  const lines = [...header, `--- ${oldName}`, `+++ ${newName}`];
  for (const hunk of hunksOf(edits)) lines.push(...formatHunk(hunk));
  return {
    text: `${lines.join("\n")}\n`,
    added: edits.filter((edit) => edit.kind === "+").length,
    removed: edits.filter((edit) => edit.kind === "-").length,
    binary: false,
  };
}

function editScript(oldLines: readonly string[], newLines: readonly string[]): Edit[] {
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  const take = (kind: Edit["kind"], line: string): void => {
    edits.push({ kind, line, oldPos: i, newPos: j });
    if (kind !== "+") i++;
    if (kind !== "-") j++;
  };
  for (const [oldIndex, newIndex] of [...commonLinePairs(oldLines, newLines), [oldLines.length, newLines.length] as [number, number]]) {
    while (i < oldIndex) take("-", oldLines[i] ?? "");
    while (j < newIndex) take("+", newLines[j] ?? "");
    if (i < oldLines.length && j < newLines.length) take(" ", oldLines[i] ?? "");
  }
  return edits;
}

/** Groups changes whose context would touch or overlap into one hunk, each with up to 3 lines of context. */
function hunksOf(edits: readonly Edit[]): Edit[][] {
  const changes = edits.flatMap((edit, index) => (edit.kind === " " ? [] : [index]));
  const hunks: Edit[][] = [];
  let start = -1;
  let end = -1;
  for (const index of changes) {
    if (start >= 0 && index - end <= 2 * CONTEXT + 1) {
      end = index;
      continue;
    }
    if (start >= 0) hunks.push(edits.slice(Math.max(0, start - CONTEXT), end + CONTEXT + 1));
    start = index;
    end = index;
  }
  if (start >= 0) hunks.push(edits.slice(Math.max(0, start - CONTEXT), end + CONTEXT + 1));
  return hunks;
}

function formatHunk(hunk: readonly Edit[]): string[] {
  const first = hunk[0];
  if (first === undefined) return [];
  const oldCount = hunk.filter((edit) => edit.kind !== "+").length;
  const newCount = hunk.filter((edit) => edit.kind !== "-").length;
  const lines = [`@@ -${range(first.oldPos, oldCount)} +${range(first.newPos, newCount)} @@`];
  for (const edit of hunk) {
    if (edit.line.endsWith("\n")) {
      lines.push(`${edit.kind}${edit.line.slice(0, -1)}`);
    } else {
      lines.push(`${edit.kind}${edit.line}`, "\\ No newline at end of file");
    }
  }
  return lines;
}

/** "start,count" as diff writes it: 1-based; a count of 1 is left out; an empty side names the line before. */
function range(pos: number, count: number): string {
  if (count === 0) return `${pos},0`;
  return count === 1 ? `${pos + 1}` : `${pos + 1},${count}`;
}

function gitMode(mode: number | null | undefined): string {
  return mode !== null && mode !== undefined && (mode & 0o111) !== 0 ? "100755" : "100644";
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function isBinary(bytes: Uint8Array | null): boolean {
  if (bytes === null) return false;
  if (bytes.includes(0)) return true;
  try {
    strictUtf8.decode(bytes);
    return false;
  } catch {
    return true;
  }
}

function decode(bytes: Uint8Array | null): string {
  return bytes === null ? "" : Buffer.from(bytes).toString("utf8");
}
