import { leadingWhitespace } from "./line-normalize.js";

/**
 * Re-indents a hunk's added lines to the file. When a hunk matched only after ignoring leading
 * whitespace, the model's indentation is off (a shifted block, spaces for tabs); lines it adds would
 * land misaligned. The matched lines tell us how each indentation of the patch maps onto the file's;
 * added lines are translated with that map.
 */
export interface Reindenter {
  /** Every patch indentation maps to one file indentation. */
  readonly consistent: boolean;
  /** Some indentation differs between patch and file. */
  readonly shifted: boolean;
  apply(line: string): string;
}

export function buildReindenter(patternLines: readonly string[], fileLines: readonly string[]): Reindenter {
  const map = new Map<string, string>();
  let consistent = true;
  let shifted = false;
  patternLines.forEach((patternLine, i) => {
    const fileLine = fileLines[i];
    if (fileLine === undefined || patternLine.trim() === "" || fileLine.trim() === "") return;
    const from = leadingWhitespace(patternLine);
    const to = leadingWhitespace(fileLine);
    if (from !== to) shifted = true;
    const known = map.get(from);
    if (known === undefined) map.set(from, to);
    else if (known !== to) consistent = false;
  });
  // Longest first, so the most specific known indentation is used as the base for deeper lines.
  const keys = [...map.keys()].sort((x, y) => y.length - x.length);
  return {
    consistent,
    shifted,
    apply: (line) => (shifted ? translate(line, map, keys) : line),
  };
}

function translate(line: string, map: ReadonlyMap<string, string>, keys: readonly string[]): string {
  if (line.trim() === "") return line;
  const indent = leadingWhitespace(line);
  const rest = line.slice(indent.length);
  const exact = map.get(indent);
  if (exact !== undefined) return exact + rest;
  // Deeper than anything matched: keep the extra part on top of the deepest known base.
  const base = keys.find((key) => indent.startsWith(key));
  if (base !== undefined) return (map.get(base) ?? base) + indent.slice(base.length) + rest;
  // Shallower than anything matched: remove the same amount from the shallowest known target.
  const shallowest = keys.at(-1);
  if (shallowest !== undefined && shallowest.startsWith(indent)) {
    const target = map.get(shallowest) ?? shallowest;
    const remove = shallowest.length - indent.length;
    if (target.length >= remove) return target.slice(0, target.length - remove) + rest;
  }
  return line;
}
