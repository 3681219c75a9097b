/**
 * Line endings of single lines in a file with mixed endings. Such a file is split on LF only, so a line
 * that ended with CRLF still carries its "\r"; a line that replaces it must carry it too, whatever most
 * of the file uses.
 */

export function lineEnding(line: string): "" | "\r" {
  return line.endsWith("\r") ? "\r" : "";
}

export function withoutEnding(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * For each new line that replaces old ones (between two kept pairs, the removed and the added lines of
 * one change), the old line it stands in for: the k-th added line replaces the k-th removed one, and
 * added lines beyond the removed ones continue the last. Added lines of a change that removed nothing
 * are absent.
 */
export function replacedLines(pairs: ReadonlyArray<readonly [number, number]>, oldCount: number, newCount: number): Map<number, number> {
  const result = new Map<number, number>();
  const bounds: Array<readonly [number, number]> = [[-1, -1], ...pairs, [oldCount, newCount]];
  for (let p = 0; p + 1 < bounds.length; p++) {
    const [oldBefore, newBefore] = bounds[p] ?? [0, 0];
    const [oldAfter, newAfter] = bounds[p + 1] ?? [0, 0];
    const removed = oldAfter - oldBefore - 1;
    if (removed <= 0) continue;
    for (let j = newBefore + 1; j < newAfter; j++) result.set(j, oldBefore + 1 + Math.min(j - newBefore - 1, removed - 1));
  }
  return result;
}
