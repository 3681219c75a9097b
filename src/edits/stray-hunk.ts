import { commonLinePairs } from "./line-diff.js";

/**
 * The first place where a merged file departs from the old one, as a small diff hunk a person or a model
 * can read: the evidence shown when a merge is refused for changing code the snippet did not touch.
 */

const WINDOW = 40;
const MAX_SHOWN = 8;

/** Compares old[oldStart..] with merged[mergedStart..] and describes their first differing lines. */
export function firstStrayHunk(oldLines: readonly string[], oldStart: number, merged: readonly string[], mergedStart: number): string {
  const a = oldLines.slice(oldStart, oldStart + WINDOW).map((line) => line.trimEnd());
  const b = merged.slice(mergedStart, mergedStart + WINDOW).map((line) => line.trimEnd());
  let skip = 0;
  while (skip < a.length && skip < b.length && a[skip] === b[skip]) skip++;
  const next = commonLinePairs(a.slice(skip), b.slice(skip))[0] ?? [a.length - skip, b.length - skip];
  return formatHunk(oldStart + skip, a.slice(skip, skip + next[0]), b.slice(skip, skip + next[1]));
}

/** `@@ line N @@` then `-` old lines and `+` new lines (at most a few of each). */
export function formatHunk(oldIndex: number, removed: readonly string[], added: readonly string[]): string {
  const shown = (sign: string, lines: readonly string[]) => [
    ...lines.slice(0, MAX_SHOWN).map((line) => `${sign}${line}`),
    ...(lines.length > MAX_SHOWN ? [`${sign}… ${lines.length - MAX_SHOWN} more lines`] : []),
  ];
  return [`@@ line ${oldIndex + 1} of the file @@`, ...shown("-", removed), ...shown("+", added)].join("\n");
}
