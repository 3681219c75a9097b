/**
 * Bracket depth, for telling which of several `}` lines closes the block a lazy-edit segment opened (a
 * segment that rewrites a function ends on a line found all over the file). String literals and line
 * comments are skipped; anything this cannot read makes the caller fall back to refusing or the model.
 */

const OPEN = new Set(["(", "[", "{"]);
const CLOSE = new Set([")", "]", "}"]);

export function bracketDelta(line: string): number {
  const code = line.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, "").replace(/\/\/.*$/, "");
  let delta = 0;
  for (const char of code) {
    if (OPEN.has(char)) delta++;
    else if (CLOSE.has(char)) delta--;
  }
  return delta;
}

/** Lines that open brackets and close all of them again, never going below zero: a balanced block. */
export function isBalancedBlock(lines: readonly string[]): boolean {
  let depth = 0;
  let opened = false;
  for (const line of lines) {
    depth += bracketDelta(line);
    if (depth < 0) return false;
    if (depth > 0) opened = true;
  }
  return opened && depth === 0;
}

/** The index of the line where the block opened at `from` closes (depth back to 0), if it does. */
export function blockEnd(lines: readonly string[], from: number, to: number): number | undefined {
  let depth = 0;
  for (let i = from; i < to; i++) {
    depth += bracketDelta(lines[i] ?? "");
    if (depth < 0) return undefined;
    if (depth === 0) return i > from ? i : undefined;
  }
  return undefined;
}
