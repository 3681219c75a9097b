import type { LazySegment } from "./lazy-snippet.js";

/**
 * Where each segment of a lazy edit sits in a merged file: its non-blank lines, in order and contiguous
 * (blank lines aside), compared without indentation. A segment without a marker before it must open the
 * file, one without a marker after it must close it; the others take the first place after the segment
 * before them.
 */

/** Without indentation: a merge model may re-indent the snippet to fit the file. */
const anchorKey = (line: string): string => line.trim();

export interface Placement {
  /** Range of merged-file lines [start, end). */
  start: number;
  end: number;
}

export type PlacementResult = { ok: true; placements: Placement[] } | { ok: false; segment: LazySegment };

export function placeSegments(merged: readonly string[], segments: readonly LazySegment[]): PlacementResult {
  const nonBlank = merged.flatMap((line, index) => (line.trim() === "" ? [] : [index]));
  const keys = nonBlank.map((index) => anchorKey(merged[index] ?? ""));
  const placements: Placement[] = [];
  let from = 0;
  for (const segment of segments) {
    const wanted = segment.lines.map(anchorKey).filter((key) => key !== "");
    const at = segment.markerAfter ? findFrom(keys, wanted, from, segment.markerBefore) : wanted.length <= keys.length - from && matchesAt(keys, wanted, keys.length - wanted.length) ? keys.length - wanted.length : -1;
    if (at < from || (!segment.markerBefore && at !== 0)) return { ok: false, segment };
    const first = nonBlank[at] ?? merged.length;
    const last = wanted.length === 0 ? first - 1 : (nonBlank[at + wanted.length - 1] ?? merged.length - 1);
    placements.push({ start: segment.markerBefore ? first : 0, end: segment.markerAfter ? last + 1 : merged.length });
    from = at + wanted.length;
  }
  return { ok: true, placements };
}

function findFrom(keys: readonly string[], wanted: readonly string[], from: number, anywhere: boolean): number {
  if (!anywhere) return matchesAt(keys, wanted, 0) ? 0 : -1;
  for (let at = from; at + wanted.length <= keys.length; at++) if (matchesAt(keys, wanted, at)) return at;
  return -1;
}

function matchesAt(keys: readonly string[], wanted: readonly string[], at: number): boolean {
  return wanted.every((key, j) => keys[at + j] === key);
}
