import { commonLinePairs } from "./line-diff.js";
import type { LazySegment, LazySnippet } from "./lazy-snippet.js";
import { type Placement, placeSegments } from "./lazy-placement.js";
import { firstStrayHunk, formatHunk } from "./stray-hunk.js";

/**
 * The guard on a merged lazy edit (above all one a model wrote): the merge may change only what the
 * snippet touched. The merged file must be the snippet's segments, in order, with the code between them
 * copied verbatim from the old file, in order; and a segment may take the place of no more old lines than
 * lie between the file lines it keeps, plus as many as it writes itself. Anything else (a line edited,
 * added or dropped in code the markers stand for) is refused with the stray hunk shown.
 *
 * On success it returns the lines the merge kept from the old file, so the write copies their bytes
 * (line endings, trailing spaces) from the file rather than from the model.
 */

export type GuardResult = { ok: true; kept: Array<[oldIndex: number, mergedIndex: number]> } | { ok: false; message: string; strayHunk: string };

interface Range {
  start: number;
  end: number;
}

const key = (line: string): string => line.trimEnd();
const isBlank = (line: string | undefined): boolean => (line ?? "").trim() === "";

export function guardLazyMerge(oldLines: readonly string[], merged: readonly string[], snippet: LazySnippet): GuardResult {
  if (!snippet.elided) return { ok: true, kept: pairsIn(oldLines, { start: 0, end: oldLines.length }, merged, { start: 0, end: merged.length }) };
  const placed = placeSegments(merged, snippet.segments);
  if (!placed.ok) {
    const hunk = formatHunk(0, [], placed.segment.lines);
    return refuse(`it does not contain the snippet's lines from its line ${placed.segment.sourceLine} as written`, hunk);
  }
  const gaps = gapsBetween(placed.placements, merged.length);
  const oldGaps: Range[] = [];
  let cursor = 0;
  for (const [index, gap] of gaps.entries()) {
    const lines = merged.slice(gap.start, gap.end).map(key);
    const at = locateGap(oldLines, lines, cursor, index === 0, index === gaps.length - 1);
    if (at === undefined) return refuse("it changes code the snippet left out", firstStrayHunk(oldLines, index === gaps.length - 1 ? Math.max(cursor, oldLines.length - lines.length) : cursor, merged, gap.start));
    oldGaps.push({ start: at, end: at + lines.length });
    cursor = at + lines.length;
  }
  const kept: Array<[number, number]> = [];
  for (const [index, segment] of snippet.segments.entries()) {
    const before = oldGaps[index] ?? { start: 0, end: 0 };
    const oldRange = { start: before.end, end: oldGaps[index + 1]?.start ?? oldLines.length };
    const placement = placed.placements[index] ?? { start: 0, end: 0 };
    for (let i = 0; i < before.end - before.start; i++) kept.push([before.start + i, (gaps[index]?.start ?? 0) + i]);
    const pairs = pairsIn(oldLines, oldRange, merged, placement);
    const swallowed = swallowedLines(oldLines, oldRange, merged, placement, pairs, segment);
    if (swallowed !== undefined) return refuse("it drops code the snippet left out", swallowed);
    kept.push(...pairs);
  }
  const last = oldGaps.at(-1) ?? { start: 0, end: 0 };
  for (let i = 0; i < last.end - last.start; i++) kept.push([last.start + i, (gaps.at(-1)?.start ?? 0) + i]);
  return { ok: true, kept };
}

function refuse(why: string, strayHunk: string): GuardResult {
  return { ok: false, message: `The merged file was refused: ${why}, outside the regions the snippet touched. Nothing was written. Stray hunk:\n${strayHunk}`, strayHunk };
}

/** The merged lines outside every segment: before the first, between each two, after the last. */
function gapsBetween(placements: readonly Placement[], length: number): Range[] {
  const gaps: Range[] = [];
  let start = 0;
  for (const placement of placements) {
    gaps.push({ start, end: placement.start });
    start = placement.end;
  }
  gaps.push({ start, end: length });
  return gaps;
}

/** Where a gap's lines sit in the old file: its start, its end, or the first place after `from`. */
function locateGap(oldLines: readonly string[], lines: readonly string[], from: number, first: boolean, last: boolean): number | undefined {
  const matches = (at: number): boolean => at >= from && at + lines.length <= oldLines.length && lines.every((line, j) => key(oldLines[at + j] ?? "") === line);
  if (first) return matches(0) ? 0 : undefined;
  if (last) return matches(oldLines.length - lines.length) ? oldLines.length - lines.length : undefined;
  for (let at = from; at + lines.length <= oldLines.length; at++) if (matches(at)) return at;
  return undefined;
}

function pairsIn(oldLines: readonly string[], oldRange: Range, merged: readonly string[], placement: Range): Array<[number, number]> {
  const a = oldLines.slice(oldRange.start, oldRange.end).map(key);
  const b = merged.slice(placement.start, placement.end).map(key);
  return commonLinePairs(a, b).map(([i, j]) => [i + oldRange.start, j + placement.start]);
}

/**
 * Old lines a segment replaced beyond what it may: removals between the lines it kept are its own
 * change; above its first kept line (or below its last) it may replace at most as many lines as it
 * writes there, unless it is open to the start (end) of the file. Blank lines are not counted.
 */
function swallowedLines(oldLines: readonly string[], oldRange: Range, merged: readonly string[], placement: Range, pairs: ReadonlyArray<[number, number]>, segment: LazySegment): string | undefined {
  const firstPair = pairs[0] ?? [oldRange.end, placement.end];
  const lastPair = pairs.at(-1) ?? [oldRange.start - 1, placement.start - 1];
  const count = (lines: readonly string[]) => lines.filter((line) => !isBlank(line)).length;
  const removedAbove = oldLines.slice(oldRange.start, pairs.length === 0 ? oldRange.end : firstPair[0]);
  const writtenAbove = merged.slice(placement.start, pairs.length === 0 ? placement.end : firstPair[1]);
  if (segment.markerBefore && count(removedAbove) > count(writtenAbove)) return formatHunk(oldRange.start, removedAbove, writtenAbove);
  if (pairs.length === 0) return undefined;
  const removedBelow = oldLines.slice(lastPair[0] + 1, oldRange.end);
  const writtenBelow = merged.slice(lastPair[1] + 1, placement.end);
  if (segment.markerAfter && count(removedBelow) > count(writtenBelow)) return formatHunk(lastPair[0] + 1, removedBelow, writtenBelow);
  return undefined;
}
