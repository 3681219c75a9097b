import { MATCH_LEVELS, type MatchLevel, type NormalizedLines, normalizeLine } from "./line-normalize.js";

/**
 * Finds where a hunk's old lines are in a file. Levels run strict to loose and stop at the first level
 * with any candidate; exactly one candidate there is a match. Several candidates are narrowed by the
 * `@@` anchor (the first one after the header wins) or by `*** End of File` (the one at the end wins);
 * otherwise the hunk is refused as ambiguous, because guessing is how edits land in the wrong place.
 *
 * The search starts at the cursor (where the previous hunk ended), as Codex does. When nothing matches
 * there, hunks the model wrote out of order get one more chance: a unique match before the cursor that
 * does not overlap a region an earlier hunk already replaced.
 */

export interface LineRange {
  start: number;
  /** Exclusive. */
  end: number;
}

export interface LocateRequest {
  pattern: readonly string[];
  headers: readonly string[];
  endOfFile: boolean;
  cursor: number;
  /** Regions earlier hunks of the same file replaced; an out-of-order match may not overlap them. */
  claimed: readonly LineRange[];
  /** 0-based line where the writer said the match starts: picks among equal candidates only. */
  hint?: number | undefined;
}

export interface HunkLocation {
  /** 0-based first line of the match. */
  start: number;
  level: MatchLevel;
  /** An `@@` header picked this match among several. */
  anchored: boolean;
  /** `*** End of File` picked this match among several. */
  atEndOfFile: boolean;
  /** The line-number hint picked this match among several. */
  hinted: boolean;
  /** Found before the cursor: the model wrote its hunks out of file order. */
  outOfOrder: boolean;
  /** `@@` headers that are not in the file (the match was still unique without them). */
  missingHeaders: string[];
}

export type LocateResult =
  | { ok: true; location: HunkLocation }
  | { ok: false; code: "no_match"; missingHeaders: string[] }
  | { ok: false; code: "ambiguous"; level: MatchLevel; candidates: number[] };

interface Anchor {
  /** 0-based line of the innermost header found; undefined when none was found. */
  index: number | undefined;
  missing: string[];
}

/** Finds the `@@` headers in turn (each after the one before) starting at `from`. */
export function findAnchor(doc: NormalizedLines, headers: readonly string[], from: number): Anchor {
  let searchFrom = from;
  let index: number | undefined;
  const missing: string[] = [];
  for (const header of headers) {
    const found = findHeaderLine(doc, header, searchFrom);
    if (found === undefined) {
      missing.push(header);
      continue;
    }
    index = found;
    searchFrom = found + 1;
  }
  return { index, missing };
}

function findHeaderLine(doc: NormalizedLines, header: string, from: number): number | undefined {
  for (const level of MATCH_LEVELS) {
    const wanted = normalizeLine(header, level);
    const lines = doc.at(level);
    for (let k = from; k < lines.length; k++) if (lines[k] === wanted) return k;
  }
  // Models often abbreviate the header to the start of the line ("@@ def load" for "def load(path):").
  const wanted = normalizeLine(header, "unicode");
  if (wanted.length < 3) return undefined;
  const lines = doc.at("unicode");
  for (let k = from; k < lines.length; k++) if (lines[k]?.startsWith(wanted)) return k;
  return undefined;
}

export function locateHunk(doc: NormalizedLines, request: LocateRequest): LocateResult {
  const anchor = findAnchor(doc, request.headers, request.cursor);
  const inOrder = searchLevels(doc, request, anchor, { from: request.cursor, to: doc.length });
  if (inOrder.ok || inOrder.code === "ambiguous") return inOrder;
  const earlier = searchLevels(doc, request, findAnchor(doc, request.headers, 0), { from: 0, to: request.cursor });
  if (earlier.ok) return { ok: true, location: { ...earlier.location, outOfOrder: true } };
  // An ambiguity before the cursor is not worth reporting: the in-order search found nothing at all.
  return { ok: false, code: "no_match", missingHeaders: anchor.missing };
}

/** Searches matches that start in [range.start, range.end) (and fit in the file), level by level. */
function searchLevels(doc: NormalizedLines, request: LocateRequest, anchor: Anchor, range: { from: number; to: number }): LocateResult {
  const m = request.pattern.length;
  const eofStart = doc.length - m;
  for (const level of MATCH_LEVELS) {
    const candidates = windowMatches(doc, request, level, range);
    if (candidates.length === 0) continue;
    const base = { level, anchored: false, atEndOfFile: false, hinted: false, outOfOrder: false, missingHeaders: anchor.missing };
    if (request.endOfFile && candidates.includes(eofStart)) {
      return { ok: true, location: { ...base, start: eofStart, atEndOfFile: candidates.length > 1 } };
    }
    const [only] = candidates;
    if (candidates.length === 1 && only !== undefined) return { ok: true, location: { ...base, start: only } };
    const anchorIndex = anchor.index;
    const afterAnchor = anchorIndex === undefined ? undefined : candidates.find((start) => start > anchorIndex);
    if (afterAnchor !== undefined) return { ok: true, location: { ...base, start: afterAnchor, anchored: true } };
    const nearest = request.hint === undefined ? undefined : clearlyNearest(candidates, request.hint);
    if (nearest !== undefined) return { ok: true, location: { ...base, start: nearest, hinted: true } };
    return { ok: false, code: "ambiguous", level, candidates };
  }
  return { ok: false, code: "no_match", missingHeaders: anchor.missing };
}

/**
 * The candidate a line-number hint points at: the nearest one, when it is less than half as far from the
 * hint as the next nearest. Between two places about as far from a (possibly wrong) number, it does not
 * guess.
 */
function clearlyNearest(candidates: readonly number[], hint: number): number | undefined {
  const byDistance = [...candidates].sort((a, b) => Math.abs(a - hint) - Math.abs(b - hint));
  const [first, second] = byDistance;
  if (first === undefined) return undefined;
  if (second === undefined) return first;
  return 2 * Math.abs(first - hint) < Math.abs(second - hint) ? first : undefined;
}

function windowMatches(
  doc: NormalizedLines,
  request: LocateRequest,
  level: MatchLevel,
  range: { from: number; to: number },
): number[] {
  const lines = doc.at(level);
  const pattern = request.pattern.map((line) => normalizeLine(line, level));
  const m = pattern.length;
  const lastStart = Math.min(range.to - 1, lines.length - m);
  const found: number[] = [];
  for (let start = Math.max(range.from, 0); start <= lastStart; start++) {
    if (overlapsClaimed(start, start + m, request.claimed)) continue;
    let i = 0;
    while (i < m && lines[start + i] === pattern[i]) i++;
    if (i === m) found.push(start);
  }
  return found;
}

function overlapsClaimed(start: number, end: number, claimed: readonly LineRange[]): boolean {
  return claimed.some((range) => start < range.end && range.start < end);
}

/** How a level compared lines, for messages. */
export function describeLevel(level: MatchLevel): string {
  switch (level) {
    case "exact":
      return "exactly";
    case "trailing-whitespace":
      return "ignoring trailing whitespace";
    case "whitespace":
      return "ignoring indentation and trailing whitespace";
    case "unicode":
      return "ignoring whitespace and Unicode look-alike punctuation";
  }
}
