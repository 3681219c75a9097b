/**
 * The matching rules of Spark's patch engine, restated from its documentation (src/edits/match-hunk.ts,
 * apply-hunks.ts) as a small executable model, so the corpus decides each case's expected outcome from
 * the rules instead of from running the engine:
 *
 * - Levels, strict to loose: exact; trailing whitespace ignored; leading and trailing whitespace ignored;
 *   Unicode look-alike punctuation normalised too. The first level with any candidate decides.
 * - One candidate: a match. Several: `*** End of File` picks the one that ends the file; else the first
 *   one after the `@@` anchor; else the hunk is refused as ambiguous.
 * - Hunks are searched from the cursor (where the previous applied hunk ended). With nothing there, a
 *   unique match before the cursor that does not overlap an earlier hunk's region is taken (out of order);
 *   an ambiguity before the cursor is reported as no match.
 * - A pattern ending in an empty line that matches nowhere is retried without that line.
 * - A hunk without old lines is an insertion: after its `@@` anchor (every header must be found), else at
 *   the end of the file.
 *
 * The look-alike table only needs the characters the corpus itself writes.
 */

export type RuleLevel = "exact" | "trailing-whitespace" | "whitespace" | "unicode";
const LEVELS: readonly RuleLevel[] = ["exact", "trailing-whitespace", "whitespace", "unicode"];

const LOOK_ALIKES: ReadonlyArray<[RegExp, string]> = [
  [/[\u2018\u2019]/g, "'"],
  [/[\u201C\u201D]/g, '"'],
  [/[\u2013\u2014]/g, "-"],
  [/\u2026/g, "..."],
  [/\u00A0/g, " "],
];

function normalize(line: string, level: RuleLevel): string {
  if (level === "exact") return line;
  if (level === "trailing-whitespace") return line.trimEnd();
  if (level === "whitespace") return line.trim();
  return LOOK_ALIKES.reduce((text, [pattern, ascii]) => text.replace(pattern, ascii), line).trim();
}

export interface RuleHunk {
  oldLines: readonly string[];
  headers: readonly string[];
  endOfFile: boolean;
}

export type RuleOutcome =
  | { ok: true; start: number; length: number; level: RuleLevel | "insertion" }
  | { ok: false; code: "no_match" | "ambiguous" };

interface Range {
  start: number;
  end: number;
}

/** Where each hunk of one file operation lands (or why not), hunks in patch order, all against `lines`. */
export function locateByRules(lines: readonly string[], hunks: readonly RuleHunk[]): RuleOutcome[] {
  const claimed: Range[] = [];
  let cursor = 0;
  return hunks.map((hunk) => {
    if (hunk.oldLines.length === 0) {
      let at = lines.length;
      if (hunk.headers.length > 0 && !hunk.endOfFile) {
        const anchor = findAnchor(lines, hunk.headers, cursor);
        if (anchor.index === undefined || anchor.missing > 0) return { ok: false, code: "no_match" };
        at = anchor.index + 1;
      }
      claimed.push({ start: at, end: at });
      if (at !== lines.length) cursor = at;
      return { ok: true, start: at, length: 0, level: "insertion" };
    }
    let pattern = hunk.oldLines;
    let found = locate(lines, pattern, hunk, cursor, claimed);
    if (!found.ok && found.code === "no_match" && pattern.at(-1) === "" && pattern.length > 1) {
      pattern = pattern.slice(0, -1);
      found = locate(lines, pattern, hunk, cursor, claimed);
    }
    if (!found.ok) return found;
    claimed.push({ start: found.start, end: found.start + pattern.length });
    if (!found.outOfOrder) cursor = found.start + pattern.length;
    return { ok: true, start: found.start, length: pattern.length, level: found.level };
  });
}

type Found = { ok: true; start: number; level: RuleLevel; outOfOrder: boolean } | { ok: false; code: "no_match" | "ambiguous" };

function locate(lines: readonly string[], pattern: readonly string[], hunk: RuleHunk, cursor: number, claimed: readonly Range[]): Found {
  const inOrder = search(lines, pattern, hunk, claimed, cursor, lines.length, findAnchor(lines, hunk.headers, cursor).index);
  if (inOrder.ok || inOrder.code === "ambiguous") return inOrder;
  const earlier = search(lines, pattern, hunk, claimed, 0, cursor, findAnchor(lines, hunk.headers, 0).index);
  if (earlier.ok) return { ...earlier, outOfOrder: true };
  return { ok: false, code: "no_match" };
}

function search(
  lines: readonly string[],
  pattern: readonly string[],
  hunk: RuleHunk,
  claimed: readonly Range[],
  from: number,
  to: number,
  anchor: number | undefined,
): Found {
  const m = pattern.length;
  for (const level of LEVELS) {
    const wanted = pattern.map((line) => normalize(line, level));
    const candidates: number[] = [];
    for (let start = from; start < to && start + m <= lines.length; start++) {
      if (claimed.some((range) => start < range.end && range.start < start + m)) continue;
      if (wanted.every((line, i) => normalize(lines[start + i] ?? "", level) === line)) candidates.push(start);
    }
    if (candidates.length === 0) continue;
    const atEnd = lines.length - m;
    if (hunk.endOfFile && candidates.includes(atEnd)) return { ok: true, start: atEnd, level, outOfOrder: false };
    if (candidates.length === 1) return { ok: true, start: candidates[0] ?? 0, level, outOfOrder: false };
    const afterAnchor = anchor === undefined ? undefined : candidates.find((start) => start > anchor);
    if (afterAnchor !== undefined) return { ok: true, start: afterAnchor, level, outOfOrder: false };
    return { ok: false, code: "ambiguous" };
  }
  return { ok: false, code: "no_match" };
}

/** Each header is searched after the one before; a header is a whole line at some level, or a line's start. */
function findAnchor(lines: readonly string[], headers: readonly string[], from: number): { index: number | undefined; missing: number } {
  let searchFrom = from;
  let index: number | undefined;
  let missing = 0;
  for (const header of headers) {
    const found = findHeader(lines, header, searchFrom);
    if (found === undefined) {
      missing++;
      continue;
    }
    index = found;
    searchFrom = found + 1;
  }
  return { index, missing };
}

function findHeader(lines: readonly string[], header: string, from: number): number | undefined {
  for (const level of LEVELS) {
    const wanted = normalize(header, level);
    for (let k = from; k < lines.length; k++) if (normalize(lines[k] ?? "", level) === wanted) return k;
  }
  const prefix = normalize(header, "unicode");
  if (prefix.length < 3) return undefined;
  for (let k = from; k < lines.length; k++) if (normalize(lines[k] ?? "", "unicode").startsWith(prefix)) return k;
  return undefined;
}
