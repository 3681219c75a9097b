import { leadingWhitespace } from "./line-normalize.js";

/**
 * Re-indentation for a hunk whose one indentation stands for several in the file: a SEARCH that
 * flattened two levels to one (`if x:` and `return 1` both at column 0 against a file indenting them by
 * 4 and 8). One map from patch to file indentation cannot hold that, so each new line takes the file's
 * indentation of the nearest old line written with the same indentation as it (the line it replaces,
 * when it replaces one); a line deeper than that old line keeps the extra as written. Undefined when no
 * old line has the line's indentation or a prefix of it.
 */
export function indentLikeNearest(line: string, near: number, oldLines: readonly string[], window: readonly string[]): string | undefined {
  if (line.trim() === "") return undefined;
  const indent = leadingWhitespace(line);
  let best: number | undefined;
  for (const [i, oldLine] of oldLines.entries()) {
    if (oldLine.trim() === "" || !indent.startsWith(leadingWhitespace(oldLine))) continue;
    const better = best === undefined || leadingWhitespace(oldLine).length > leadingWhitespace(oldLines[best] ?? "").length || (leadingWhitespace(oldLine).length === leadingWhitespace(oldLines[best] ?? "").length && Math.abs(i - near) < Math.abs(best - near));
    if (better) best = i;
  }
  if (best === undefined) return undefined;
  const base = leadingWhitespace(oldLines[best] ?? "");
  return leadingWhitespace(window[best] ?? "") + indent.slice(base.length) + line.slice(indent.length);
}

/** The old line a new one sits at: the one it replaces, else the last kept line above it. */
export function oldPositionOf(j: number, replaced: ReadonlyMap<number, number>, pairs: ReadonlyArray<readonly [number, number]>): number {
  const replacedIndex = replaced.get(j);
  if (replacedIndex !== undefined) return replacedIndex;
  let position = 0;
  for (const [oldIndex, newIndex] of pairs) if (newIndex < j) position = oldIndex;
  return position;
}
