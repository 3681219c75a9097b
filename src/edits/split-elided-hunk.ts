import { isBareEllipsis } from "./elision-marker.js";
import type { Hunk } from "./patch-types.js";

/**
 * aider lets a SEARCH/REPLACE block skip unchanged code with `...` lines: as many in SEARCH as in REPLACE,
 * the pieces between them pairing up in order. Each pair is a hunk of its own, so the code in between
 * stays as it is. Blocks whose `...` lines do not pair up, or that would leave a piece with nothing to
 * search for, stay one hunk (then `...` is just text that has to match).
 */
export function splitElidedHunk(hunk: Hunk): Hunk[] {
  const search = splitAtEllipsis(hunk.oldLines);
  const replace = splitAtEllipsis(hunk.newLines);
  if (search.length < 2 || search.length !== replace.length) return [hunk];
  if (search.some((piece) => piece.every((line) => line.trim() === ""))) return [hunk];
  return search.map((oldLines, index) => ({ contextHeaders: [], oldLines, newLines: replace[index] ?? [], endOfFile: false, sourceLine: hunk.sourceLine }));
}

function splitAtEllipsis(lines: readonly string[]): string[][] {
  const pieces: string[][] = [[]];
  for (const line of lines) {
    if (isBareEllipsis(line)) pieces.push([]);
    else pieces.at(-1)?.push(line);
  }
  return pieces;
}
