/**
 * Pairs the lines a hunk keeps (context) between its old and new sides. The applier writes the file's
 * own text for those lines instead of the patch's copy, so a fuzzy match never rewrites context the
 * model only quoted approximately (its curly quotes, lost trailing spaces or different indentation).
 */

/** Above this many cells the middle section is not diffed; prefix/suffix context is still kept. */
const MAX_DP_CELLS = 250_000;

/** Index pairs [oldIndex, newIndex] of equal lines, in increasing order of both (a longest common subsequence). */
export function commonLinePairs(oldLines: readonly string[], newLines: readonly string[]): Array<[number, number]> {
  let prefix = 0;
  while (prefix < oldLines.length && prefix < newLines.length && oldLines[prefix] === newLines[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < oldLines.length - prefix &&
    suffix < newLines.length - prefix &&
    oldLines[oldLines.length - 1 - suffix] === newLines[newLines.length - 1 - suffix]
  ) {
    suffix++;
  }
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < prefix; i++) pairs.push([i, i]);
  const oldMiddle = oldLines.slice(prefix, oldLines.length - suffix);
  const newMiddle = newLines.slice(prefix, newLines.length - suffix);
  for (const [i, j] of middlePairs(oldMiddle, newMiddle)) pairs.push([i + prefix, j + prefix]);
  for (let k = suffix; k > 0; k--) pairs.push([oldLines.length - k, newLines.length - k]);
  return pairs;
}

function middlePairs(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  if (a.length === 0 || b.length === 0 || a.length * b.length > MAX_DP_CELLS) return [];
  const width = b.length + 1;
  // lengths[i * width + j] = LCS length of a[i..] and b[j..]
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? (lengths[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lengths[(i + 1) * width + j] ?? 0, lengths[i * width + j + 1] ?? 0);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if ((lengths[(i + 1) * width + j] ?? 0) >= (lengths[i * width + j + 1] ?? 0)) {
      i++;
    } else {
      j++;
    }
  }
  return pairs;
}
