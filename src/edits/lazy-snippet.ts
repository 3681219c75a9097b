import { isElisionMarker } from "./elision-marker.js";

/**
 * A lazy edit: the new version of a file in which unchanged stretches are replaced by elision markers.
 * The kept parts between markers are its segments; each one is the new text of one region of the file.
 */

export interface LazySegment {
  /** The segment's lines, blank lines next to a marker dropped (they belong to the elided code). */
  lines: string[];
  /** 1-based line of the snippet the segment starts on, for messages. */
  sourceLine: number;
  /** A marker comes before it: code above it is kept. Otherwise it starts at the top of the file. */
  markerBefore: boolean;
  /** A marker comes after it: code below it is kept. Otherwise it runs to the end of the file. */
  markerAfter: boolean;
}

export interface LazySnippet {
  segments: LazySegment[];
  /** Whether the snippet has any marker at all (without one, it is the whole new file). */
  elided: boolean;
}

const FENCE = /^\s*(```|~~~)/;

export function parseLazySnippet(text: string): LazySnippet {
  const lines = unfence(splitLines(text));
  const segments: LazySegment[] = [];
  let current: string[] = [];
  let start = 0;
  let markerBefore = false;
  let elided = false;
  const close = (markerAfter: boolean): void => {
    const kept = trimBlankEdges(current, markerBefore, markerAfter);
    if (kept.lines.length > 0) segments.push({ lines: kept.lines, sourceLine: start + kept.skipped + 1, markerBefore, markerAfter });
  };
  lines.forEach((line, index) => {
    if (!isElisionMarker(line)) {
      if (current.length === 0) start = index;
      current.push(line);
      return;
    }
    elided = true;
    close(true);
    current = [];
    markerBefore = true;
  });
  close(false);
  return { segments, elided };
}

/** Lines of the text; a final newline ends the last line rather than starting an empty one. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Models often wrap a snippet in a Markdown fence: the fence lines are not part of the file. */
export function unfence(lines: string[]): string[] {
  if (lines.length >= 2 && FENCE.test(lines[0] ?? "") && FENCE.test(lines.at(-1) ?? "")) return lines.slice(1, -1);
  return lines;
}

function trimBlankEdges(lines: readonly string[], markerBefore: boolean, markerAfter: boolean): { lines: string[]; skipped: number } {
  let from = 0;
  let to = lines.length;
  if (markerBefore) while (from < to && (lines[from] ?? "").trim() === "") from++;
  if (markerAfter) while (to > from && (lines[to - 1] ?? "").trim() === "") to--;
  return { lines: lines.slice(from, to), skipped: from };
}
