import { blockEnd, isBalancedBlock } from "./bracket-balance.js";
import type { LazySegment, LazySnippet } from "./lazy-snippet.js";

/**
 * The deterministic merge of a lazy edit: each segment is anchored in the old file by its first and last
 * lines (extended line by line until the place is unique; a closing bracket found in several places is
 * the one that closes what the segment opened), and replaces the old lines from the one anchor to the
 * other; the code the markers stand for is copied through. A segment whose place is not unique, or whose
 * edge next to a marker is a changed line (does it replace the code there or add to it?),
 * is left to the merge model or refused: guessing would put code in the wrong place.
 */

export type LazyMergeResult =
  | { ok: true; lines: string[] }
  | { ok: false; segment: number; sourceLine: number; message: string };

interface Anchor {
  /** Index in the old file. */
  old: number;
  /** Index in the segment. */
  seg: number;
}

type Found = { ok: true; anchor: Anchor } | { ok: false; why: string };

/**
 * Lines compare without trailing space ("\r" included) but with their indentation: a `}` closes one
 * particular block, and comparing without indentation anchored snippets on the wrong one.
 */
const anchorKey = (line: string): string => line.trimEnd();
/** A lone brace or bracket matches too many places to anchor on its own. */
const substantive = (keys: readonly string[]): boolean => keys.some((key) => /[\p{L}\p{N}]/u.test(key));

export function mergeLazyEdit(oldLines: readonly string[], snippet: LazySnippet): LazyMergeResult {
  const oldKeys = oldLines.map(anchorKey);
  const { segments } = snippet;
  const heads: Anchor[] = [];
  for (const [index, segment] of segments.entries()) {
    const from = index === 0 ? 0 : (heads[index - 1]?.old ?? 0) + 1;
    const found = segment.markerBefore ? findHead(oldKeys, segment.lines.map(anchorKey), from) : ({ ok: true, anchor: { old: 0, seg: 0 } } as const);
    if (!found.ok) return failure(index, segment, found.why);
    heads.push(found.anchor);
  }
  const out: string[] = [];
  let cursor = 0;
  for (const [index, segment] of segments.entries()) {
    const head = heads[index] ?? { old: 0, seg: 0 };
    const limit = heads[index + 1]?.old ?? oldLines.length;
    const found = segment.markerAfter ? findTail(oldKeys, segment.lines.map(anchorKey), head, limit) : ({ ok: true, anchor: { old: fileEnd(oldLines, segment), seg: segment.lines.length - 1 } } as const);
    if (!found.ok) return failure(index, segment, found.why);
    const start = segment.markerBefore ? head.old : 0;
    if (start < cursor) return failure(index, segment, "it would overlap the segment before it");
    out.push(...oldLines.slice(cursor, start), ...segment.lines);
    cursor = Math.max(start, found.anchor.old + 1);
  }
  out.push(...oldLines.slice(cursor));
  return { ok: true, lines: out };
}

/**
 * Where a last part that runs to the end of the file stops replacing: the file's trailing blank lines stay
 * unless the part itself ends with a blank line (a snippet's text cannot show them otherwise).
 */
function fileEnd(oldLines: readonly string[], segment: LazySegment): number {
  if ((segment.lines.at(-1) ?? "").trim() === "") return oldLines.length - 1;
  let end = oldLines.length - 1;
  while (end > 0 && (oldLines[end] ?? "").trim() === "") end--;
  return end;
}

function failure(index: number, segment: LazySegment, why: string): LazyMergeResult {
  return { ok: false, segment: index, sourceLine: segment.sourceLine, message: `the part of the snippet at its line ${segment.sourceLine} ${why}` };
}

/** Start positions in old[from, to) where `block` occurs. */
function occurrences(oldKeys: readonly string[], block: readonly string[], from: number, to: number): number[] {
  const found: number[] = [];
  for (let p = from; p + block.length <= to; p++) if (block.every((key, j) => oldKeys[p + j] === key)) found.push(p);
  return found;
}

/**
 * A segment that starts (ends) with a changed line next to a marker does not say whether that line
 * replaces the code above (below) it or is added to it: the model decides, or the snippet is refused.
 */
const EDGE_CHANGED =
  "starts or ends next to a '... existing code ...' marker with a line the file does not hold, so whether it replaces code or adds to it is not clear; include the unchanged line above and below each change";

/** The first segment line, extended downwards until its place after `from` is unique. */
function findHead(oldKeys: readonly string[], segKeys: readonly string[], from: number): Found {
  for (let k = 0; k < segKeys.length; k++) {
    if (segKeys[k] === "") continue;
    if (occurrences(oldKeys, [segKeys[k] ?? ""], from, oldKeys.length).length === 0) return { ok: false, why: EDGE_CHANGED };
    for (let end = k + 1; end <= segKeys.length; end++) {
      const block = segKeys.slice(k, end);
      const places = occurrences(oldKeys, block, from, oldKeys.length);
      if (places.length === 0) break;
      if (places.length === 1 && substantive(block)) return { ok: true, anchor: { old: places[0] ?? 0, seg: k } };
    }
    return { ok: false, why: `matches several places of the file (its first line found in the file, ${JSON.stringify(segKeys[k])}, is not unique); add unchanged lines around it so it matches one place` };
  }
  return { ok: false, why: "holds only blank lines" };
}

/** The last segment line, extended upwards until its place in [head, limit) is unique. */
function findTail(oldKeys: readonly string[], segKeys: readonly string[], head: Anchor, limit: number): Found {
  for (let k = segKeys.length - 1; k >= head.seg; k--) {
    if (segKeys[k] === "") continue;
    if (occurrences(oldKeys, [segKeys[k] ?? ""], head.old, limit).length === 0) return { ok: false, why: EDGE_CHANGED };
    for (let start = k; start >= head.seg; start--) {
      const block = segKeys.slice(start, k + 1);
      const places = occurrences(oldKeys, block, head.old, limit);
      if (places.length === 0) break;
      if (places.length === 1 && (substantive(block) || start === head.seg)) return { ok: true, anchor: { old: (places[0] ?? 0) + block.length - 1, seg: k } };
      const closing = closingPlace(oldKeys, segKeys, head, k, limit, places.map((place) => place + block.length - 1));
      if (closing !== undefined) return { ok: true, anchor: { old: closing, seg: k } };
    }
    return { ok: false, why: `ends on a line that matches several places before the next part (${JSON.stringify(segKeys[k])}); add unchanged lines so its end is unique` };
  }
  return { ok: true, anchor: head };
}

/**
 * Among several places of a segment's last line, the one that closes the block its head opens: when the
 * segment from head to that line is a balanced bracket block, so is the file's from head to the answer.
 */
function closingPlace(oldKeys: readonly string[], segKeys: readonly string[], head: Anchor, k: number, limit: number, ends: readonly number[]): number | undefined {
  if (!isBalancedBlock(segKeys.slice(head.seg, k + 1))) return undefined;
  const end = blockEnd(oldKeys, head.old, limit);
  return end !== undefined && ends.includes(end) ? end : undefined;
}
