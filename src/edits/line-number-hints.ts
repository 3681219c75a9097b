/**
 * Line numbers models copy into SEARCH blocks: Roo Code's and Cline's `:start_line:N` header, and the
 * `N | ` (or `N→`, `N<tab>`) prefixes that numbered file listings put on every line. Both become a hint
 * that picks among equal matches (Hunk.lineHint); the prefixes are removed from the text, which is then
 * matched by content as always.
 */

const START_LINE = /^:start_line:\s*(\d+)\s*$/;
const END_LINE = /^:end_line:\s*(\d+)\s*$/;
const SEPARATOR = /^-{3,}$/;
const NUMBER_PREFIX = /^\s*(\d+)(?: ?\|(?: |$)|→|\t)/;

export interface HintedLines {
  lines: string[];
  /** 1-based line the writer said the lines start at. */
  hint?: number;
}

/** Takes `:start_line:`/`:end_line:` (and the `-------` after them) off the top of a SEARCH section. */
export function readStartLine(search: readonly string[]): HintedLines {
  let i = 0;
  let hint: number | undefined;
  for (; i < search.length; i++) {
    const line = (search[i] ?? "").trim();
    const start = START_LINE.exec(line);
    if (start) hint = Number(start[1]);
    else if (!END_LINE.test(line)) break;
  }
  if (i === 0) return { lines: [...search] };
  if (SEPARATOR.test((search[i] ?? "").trim())) i++;
  const lines = search.slice(i);
  return hint === undefined ? { lines } : { lines, hint };
}

/**
 * Removes `N | ` prefixes when every line has one and the numbers count up by one from the first (so a
 * file whose lines really start with "1 | " is left alone unless it is numbered that way throughout).
 */
export function stripLineNumbers(lines: readonly string[]): HintedLines | undefined {
  const first = NUMBER_PREFIX.exec(lines[0] ?? "");
  if (!first) return undefined;
  const start = Number(first[1]);
  const stripped: string[] = [];
  for (const [i, line] of lines.entries()) {
    const match = NUMBER_PREFIX.exec(line);
    if (!match || Number(match[1]) !== start + i) return undefined;
    stripped.push(line.slice(match[0].length));
  }
  return { lines: stripped, hint: start };
}

/** The new side's prefixes, removed only when the old side had them and every non-empty new line has one. */
export function stripNewSideNumbers(lines: readonly string[]): string[] {
  if (!lines.every((line) => line === "" || NUMBER_PREFIX.test(line))) return [...lines];
  return lines.map((line) => line.replace(NUMBER_PREFIX, ""));
}
