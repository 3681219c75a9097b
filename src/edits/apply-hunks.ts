import type { Hunk } from "./patch-types.js";
import { NormalizedLines } from "./line-normalize.js";
import { findAnchor, type HunkLocation, locateHunk } from "./match-hunk.js";
import { buildReindenter, FileIndentation } from "./reindent.js";
import { commonLinePairs } from "./line-diff.js";
import { type ApplyState, failedStep, type HunkError, type HunkOutcome, type Splice, type Step } from "./hunk-outcome.js";
import { ambiguousError, headerMissingError, noMatchError, noOpError, unplacedInsertionError } from "./hunk-errors.js";
import { applyLiteral } from "./apply-literal.js";
import { lineEnding, replacedLines } from "./line-endings.js";
import { indentLikeNearest, oldPositionOf } from "./reindent-nearest.js";

export type { HunkError, HunkOutcome, MatchStrategy } from "./hunk-outcome.js";

/**
 * Applies a file's hunks to its lines. Every hunk is located against the original lines (hunks never
 * see each other's output, so one hunk's new text cannot be matched by the next), succeeds or fails on
 * its own, and the successful ones are spliced in at the end.
 */

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

export function applyHunks(lines: readonly string[], hunks: readonly Hunk[], options: ApplyHunksOptions): ApplyHunksResult {
  const view: FileView = { doc: new NormalizedLines(lines), indentation: new FileIndentation(lines) };
  // An edit that changes nothing is refused; a hunk that only quotes context, among hunks that change
  // something, still moves the search on (Codex's way to skip a repeated region).
  const state: ApplyState = { cursor: 0, claimed: [], hintOffset: 0, noOp: hunks.every(isNoOp) };
  const splices: Splice[] = [];
  const outcomes: HunkOutcome[] = [];
  let added = 0;
  let removed = 0;
  hunks.forEach((hunk, index) => {
    const step = applyOne(view, hunk, index, state, options);
    outcomes.push(step.outcome);
    if (step.outcome.status !== "applied") return;
    for (const splice of step.splices) {
      splices.push(splice);
      state.claimed.push({ start: splice.start, end: splice.start + splice.deleteCount });
    }
    state.cursor = step.cursor;
    const fileLine = step.outcome.fileLine;
    if (hunk.lineHint !== undefined && hunk.oldLines.length > 0 && fileLine !== undefined) state.hintOffset = fileLine - hunk.lineHint;
    added += step.added;
    removed += step.removed;
  });
  return { lines: spliceAll(lines, splices), outcomes, added, removed };
}

/** The file a hunk is applied to: its lines per match level, and how it indents. */
interface FileView {
  doc: NormalizedLines;
  indentation: FileIndentation;
}

function isNoOp(hunk: Hunk): boolean {
  return hunk.oldLines.length === hunk.newLines.length && hunk.oldLines.every((line, i) => line === hunk.newLines[i]);
}

function applyOne(view: FileView, hunk: Hunk, index: number, state: ApplyState, options: ApplyHunksOptions): Step {
  const { doc, indentation } = view;
  const cursor = state.cursor;
  if (state.noOp) return failedStep(hunk, index, cursor, noOpError(hunk, index, options.displayPath));
  if (hunk.literal !== undefined) {
    const literal = applyLiteral(doc.lines, hunk, index, state, options);
    if (literal !== undefined) return literal;
  }
  if (hunk.oldLines.length === 0) return insert(doc, hunk, index, cursor, options);
  const hint = hunk.lineHint === undefined ? undefined : hunk.lineHint - 1 + state.hintOffset;
  const request = { headers: hunk.contextHeaders, endOfFile: hunk.endOfFile, cursor, claimed: state.claimed, hint };
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
  if (!result.ok) {
    const error: HunkError =
      result.code === "ambiguous"
        ? ambiguousError(hunk, index, options.displayPath, result.level, result.candidates)
        : noMatchError(doc, hunk, index, cursor, options.displayPath, result.missingHeaders);
    return failedStep(hunk, index, cursor, error);
  }
  const location = result.location;
  const window = doc.lines.slice(location.start, location.start + oldLines.length);
  const built = buildReplacement({ oldLines, newLines, context }, window, indentation, options.addedLineSuffix);
  const matchedBy = location.level === "whitespace" && built.reindented ? "indentation" : location.level;
  return {
    outcome: { index, sourceLine: hunk.sourceLine, status: "applied", matchedBy, fileLine: location.start + 1, notes: locationNotes(location, hunk) },
    splices: [{ start: location.start, deleteCount: oldLines.length, lines: built.lines, order: index }],
    cursor: location.outOfOrder ? cursor : location.start + oldLines.length,
    added: built.added,
    removed: oldLines.length - built.kept,
  };
}

/**
 * A hunk without old lines: after its `@@` anchor when it has one, else at the end of the file. One that
 * only a line number would place (a unified diff's context-free hunk) is refused on a non-empty file.
 */
function insert(doc: NormalizedLines, hunk: Hunk, index: number, cursor: number, options: ApplyHunksOptions): Step {
  if (hunk.lineHint !== undefined && doc.length > 0) return failedStep(hunk, index, cursor, unplacedInsertionError(hunk, index, options.displayPath));
  const added = hunk.newLines.map((line) => line + options.addedLineSuffix);
  let at = doc.length;
  if (hunk.contextHeaders.length > 0 && !hunk.endOfFile) {
    const anchor = findAnchor(doc, hunk.contextHeaders, cursor);
    if (anchor.index === undefined || anchor.missing.length > 0) {
      return failedStep(hunk, index, cursor, headerMissingError(doc, hunk, index, options.displayPath, anchor.missing));
    }
    at = anchor.index + 1;
  }
  return {
    outcome: { index, sourceLine: hunk.sourceLine, status: "applied", matchedBy: "insertion", fileLine: at + 1, notes: [] },
    splices: [{ start: at, deleteCount: 0, lines: added, order: index }],
    cursor: at === doc.length ? cursor : at,
    added: added.length,
    removed: 0,
  };
}

/**
 * The lines that replace the match: lines the hunk keeps are copied from the file (so a fuzzy match
 * never rewrites them), added lines are re-indented to the file. An added line that replaces a removed
 * one keeps that line's own ending (in a file with mixed endings); other added lines get the suffix.
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
  const replaced = replacedLines(pairs, oldLines.length, newLines.length);
  const reindenter = buildReindenter(oldLines, window, { newLines, file: indentation });
  const lines = newLines.map((line, j) => {
    const oldIndex = keptFrom.get(j);
    if (oldIndex !== undefined) return window[oldIndex] ?? line;
    const replacedIndex = replaced.get(j);
    const ending = replacedIndex === undefined ? suffix : lineEnding(window[replacedIndex] ?? "");
    const perLevel = reindenter.consistent ? undefined : indentLikeNearest(line, oldPositionOf(j, replaced, pairs), oldLines, window);
    return (perLevel ?? reindenter.apply(line)) + ending;
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

function locationNotes(location: HunkLocation, hunk: Hunk): string[] {
  const notes: string[] = [];
  if (location.anchored) notes.push("several places matched; the @@ header picked the one after it");
  if (location.atEndOfFile) notes.push("several places matched; '*** End of File' picked the last one");
  if (location.hinted) notes.push(`several places matched; its line number ${hunk.lineHint ?? ""} picked the nearest, at line ${location.start + 1}`);
  if (location.outOfOrder) notes.push("found above the previous hunk (hunks were out of file order)");
  for (const header of location.missingHeaders) notes.push(`@@ header ${JSON.stringify(header)} is not in the file; the match was unique without it`);
  return notes;
}
