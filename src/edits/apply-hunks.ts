import type { Hunk } from "./patch-types.js";
import { NormalizedLines } from "./line-normalize.js";
import { describeLevel, findAnchor, type HunkLocation, type LineRange, locateHunk } from "./match-hunk.js";
import { type ClosestRegion, findClosestRegion, formatNumberedLines } from "./closest-region.js";
import { buildReindenter, FileIndentation } from "./reindent.js";
import { commonLinePairs } from "./line-diff.js";

/**
 * Applies a file's hunks to its lines. Every hunk is located against the original lines (hunks never
 * see each other's output, so one hunk's new text cannot be matched by the next), succeeds or fails on
 * its own, and the successful ones are spliced in at the end.
 */

export type MatchStrategy = "exact" | "trailing-whitespace" | "indentation" | "whitespace" | "unicode" | "insertion";

export interface HunkOutcome {
  /** 0-based position of the hunk in its operation. */
  index: number;
  sourceLine: number;
  status: "applied" | "failed";
  matchedBy?: MatchStrategy;
  /** 1-based line of the original file where the hunk applied. */
  fileLine?: number;
  /** Further facts a caller may want to show: header used as anchor, out-of-order hunk, header not found. */
  notes: string[];
  error?: HunkError;
}

export interface HunkError {
  code: "no_match" | "ambiguous";
  message: string;
  /** 1-based lines where an ambiguous hunk matched. */
  candidates?: number[];
  closest?: ClosestRegion;
}

export interface ApplyHunksOptions {
  displayPath: string;
  /** Appended to every added line: "\r" in a file with mixed line endings that are mostly CRLF. */
  addedLineSuffix: string;
}

export interface ApplyHunksResult {
  lines: string[];
  outcomes: HunkOutcome[];
  added: number;
  removed: number;
}

interface Splice {
  start: number;
  deleteCount: number;
  lines: string[];
  order: number;
}

const MAX_QUOTED_LINES = 12;

export function applyHunks(lines: readonly string[], hunks: readonly Hunk[], options: ApplyHunksOptions): ApplyHunksResult {
  const doc = new NormalizedLines(lines);
  const indentation = new FileIndentation(lines);
  const splices: Splice[] = [];
  const claimed: LineRange[] = [];
  const outcomes: HunkOutcome[] = [];
  let cursor = 0;
  let added = 0;
  let removed = 0;
  hunks.forEach((hunk, index) => {
    const step = applyOne({ doc, indentation }, hunk, index, cursor, claimed, options);
    outcomes.push(step.outcome);
    if (step.splice === undefined) return;
    splices.push(step.splice);
    claimed.push({ start: step.splice.start, end: step.splice.start + step.splice.deleteCount });
    cursor = step.cursor;
    added += step.added;
    removed += step.removed;
  });
  return { lines: spliceAll(lines, splices), outcomes, added, removed };
}

interface Step {
  outcome: HunkOutcome;
  splice?: Splice;
  cursor: number;
  added: number;
  removed: number;
}

/** The file a hunk is applied to: its lines per match level, and how it indents. */
interface FileView {
  doc: NormalizedLines;
  indentation: FileIndentation;
}

function applyOne(
  { doc, indentation }: FileView,
  hunk: Hunk,
  index: number,
  cursor: number,
  claimed: readonly LineRange[],
  options: ApplyHunksOptions,
): Step {
  if (hunk.oldLines.length === 0) return insert(doc, hunk, index, cursor, options);
  const request = { headers: hunk.contextHeaders, endOfFile: hunk.endOfFile, cursor, claimed };
  let oldLines = hunk.oldLines;
  let newLines = hunk.newLines;
  let context = hunk.context;
  let result = locateHunk(doc, { ...request, pattern: oldLines });
  // A trailing empty context line often stands for the file's final newline, which is not a line here.
  if (!result.ok && result.code === "no_match" && oldLines.at(-1) === "" && oldLines.length > 1) {
    oldLines = oldLines.slice(0, -1);
    newLines = newLines.at(-1) === "" ? newLines.slice(0, -1) : newLines;
    const [oldLength, newLength] = [oldLines.length, newLines.length];
    context = context?.filter(([oldIndex, newIndex]) => oldIndex < oldLength && newIndex < newLength);
    result = locateHunk(doc, { ...request, pattern: oldLines });
  }
  const base = { index, sourceLine: hunk.sourceLine };
  if (!result.ok) {
    const error: HunkError =
      result.code === "ambiguous"
        ? ambiguousError(hunk, index, options.displayPath, result.level, result.candidates)
        : noMatchError(doc, hunk, index, cursor, options.displayPath, result.missingHeaders);
    return { outcome: { ...base, status: "failed", notes: [], error }, cursor, added: 0, removed: 0 };
  }
  const location = result.location;
  const window = doc.lines.slice(location.start, location.start + oldLines.length);
  const built = buildReplacement({ oldLines, newLines, context }, window, indentation, options.addedLineSuffix);
  const matchedBy = location.level === "whitespace" && built.reindented ? "indentation" : location.level;
  return {
    outcome: { ...base, status: "applied", matchedBy, fileLine: location.start + 1, notes: locationNotes(location) },
    splice: { start: location.start, deleteCount: oldLines.length, lines: built.lines, order: index },
    cursor: location.outOfOrder ? cursor : location.start + oldLines.length,
    added: built.added,
    removed: oldLines.length - built.kept,
  };
}

/** A hunk without old lines: after its `@@` anchor when it has one, else at the end of the file. */
function insert(doc: NormalizedLines, hunk: Hunk, index: number, cursor: number, options: ApplyHunksOptions): Step {
  const base = { index, sourceLine: hunk.sourceLine };
  const added = hunk.newLines.map((line) => line + options.addedLineSuffix);
  let at = doc.length;
  if (hunk.contextHeaders.length > 0 && !hunk.endOfFile) {
    const anchor = findAnchor(doc, hunk.contextHeaders, cursor);
    if (anchor.index === undefined || anchor.missing.length > 0) {
      const error = headerMissingError(doc, hunk, index, options.displayPath, anchor.missing);
      return { outcome: { ...base, status: "failed", notes: [], error }, cursor, added: 0, removed: 0 };
    }
    at = anchor.index + 1;
  }
  return {
    outcome: { ...base, status: "applied", matchedBy: "insertion", fileLine: at + 1, notes: [] },
    splice: { start: at, deleteCount: 0, lines: added, order: index },
    cursor: at === doc.length ? cursor : at,
    added: added.length,
    removed: 0,
  };
}

/**
 * The lines that replace the match: lines the hunk keeps are copied from the file (so a fuzzy match
 * never rewrites them), added lines are re-indented to the file.
 *
 * Which lines are kept: a Codex hunk says so with its ' ' markers, and those are followed exactly (a
 * removed line that reads like a kept or an added one must not lend the file's copy of itself to that
 * line). SEARCH/REPLACE blocks have no markers, so equal lines of the two sides are paired by a diff,
 * which keeps a common first and last stretch in place and pairs the middle in order.
 */
function buildReplacement(
  hunk: { oldLines: readonly string[]; newLines: readonly string[]; context: ReadonlyArray<readonly [number, number]> | undefined },
  window: readonly string[],
  indentation: FileIndentation,
  suffix: string,
): { lines: string[]; added: number; kept: number; reindented: boolean } {
  const { oldLines, newLines } = hunk;
  const pairs = hunk.context ?? commonLinePairs(oldLines, newLines);
  const keptFrom = new Map<number, number>(pairs.map(([oldIndex, newIndex]) => [newIndex, oldIndex]));
  const reindenter = buildReindenter(oldLines, window, { newLines, file: indentation });
  const lines = newLines.map((line, j) => {
    const oldIndex = keptFrom.get(j);
    if (oldIndex !== undefined) return window[oldIndex] ?? line;
    return reindenter.apply(line) + suffix;
  });
  return {
    lines,
    added: newLines.length - pairs.length,
    kept: pairs.length,
    reindented: reindenter.shifted && reindenter.consistent,
  };
}

function spliceAll(lines: readonly string[], splices: readonly Splice[]): string[] {
  const result = [...lines];
  // From the bottom up so earlier positions stay valid; at one position the later hunk goes first so
  // that the earlier hunk's lines end up above it.
  const ordered = [...splices].sort((a, b) => b.start - a.start || b.order - a.order);
  for (const splice of ordered) result.splice(splice.start, splice.deleteCount, ...splice.lines);
  return result;
}

function locationNotes(location: HunkLocation): string[] {
  const notes: string[] = [];
  if (location.anchored) notes.push("several places matched; the @@ header picked the one after it");
  if (location.atEndOfFile) notes.push("several places matched; '*** End of File' picked the last one");
  if (location.outOfOrder) notes.push("found above the previous hunk (hunks were out of file order)");
  for (const header of location.missingHeaders) notes.push(`@@ header ${JSON.stringify(header)} is not in the file; the match was unique without it`);
  return notes;
}

function hunkName(hunk: Hunk, index: number, displayPath: string): string {
  return `Hunk ${index + 1} of ${displayPath} (patch line ${hunk.sourceLine})`;
}

function quote(lines: readonly string[]): string {
  const shown = lines.slice(0, MAX_QUOTED_LINES).map((line) => `  ${line}`);
  if (lines.length > MAX_QUOTED_LINES) shown.push(`  … ${lines.length - MAX_QUOTED_LINES} more lines`);
  return shown.join("\n");
}

function ambiguousError(hunk: Hunk, index: number, displayPath: string, level: Parameters<typeof describeLevel>[0], starts: number[]): HunkError {
  const candidates = starts.map((start) => start + 1);
  const message =
    `${hunkName(hunk, index, displayPath)} matches ${candidates.length} places equally well ` +
    `(lines ${candidates.join(", ")}, compared ${describeLevel(level)}); nothing was changed for it. ` +
    "Resend it with more unchanged context lines, or an '@@' line naming the enclosing function or class, so it matches one place.";
  return { code: "ambiguous", message, candidates };
}

function noMatchError(doc: NormalizedLines, hunk: Hunk, index: number, cursor: number, displayPath: string, missingHeaders: string[]): HunkError {
  const closest = findClosestRegion(doc.lines, hunk.oldLines);
  const where = cursor > 0 ? ` (searched the whole file; hunks before it ended at line ${cursor})` : "";
  const parts = [`${hunkName(hunk, index, displayPath)} did not match${where}; nothing was changed for it. It expected:`, quote(hunk.oldLines)];
  for (const header of missingHeaders) parts.push(`Its @@ header ${JSON.stringify(header)} is not in the file either.`);
  if (closest !== undefined) {
    const percent = Math.round(closest.similarity * 100);
    parts.push(`The closest lines in the file are ${closest.startLine}-${closest.endLine} (${percent}% similar):`);
    parts.push(formatNumberedLines(closest.startLine, closest.lines.slice(0, MAX_QUOTED_LINES)));
    parts.push("Resend only this hunk, with its context copied exactly from the file.");
  } else {
    parts.push("The file is empty.");
  }
  return closest === undefined ? { code: "no_match", message: parts.join("\n") } : { code: "no_match", message: parts.join("\n"), closest };
}

function headerMissingError(doc: NormalizedLines, hunk: Hunk, index: number, displayPath: string, missing: string[]): HunkError {
  const closest = findClosestRegion(doc.lines, missing.slice(0, 1));
  const parts = [
    `${hunkName(hunk, index, displayPath)} only adds lines, after the @@ header ${JSON.stringify(missing[0] ?? "")}, which is not in the file; nothing was changed for it.`,
  ];
  if (closest !== undefined) {
    parts.push(`The most similar line is ${closest.startLine}:`, formatNumberedLines(closest.startLine, closest.lines));
  }
  return closest === undefined ? { code: "no_match", message: parts.join("\n") } : { code: "no_match", message: parts.join("\n"), closest };
}
