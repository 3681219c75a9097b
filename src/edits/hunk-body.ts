import type { Hunk } from "./patch-types.js";

/**
 * The body lines that the Codex envelope and unified diffs share: ' ' context, '-' removed, '+' added,
 * `\ No newline at end of file`, and an empty line, which is a context line whose leading space an
 * editor or a model trimmed away.
 */

export function emptyHunk(sourceLine: number, contextHeaders: string[] = []): Hunk {
  return { contextHeaders, oldLines: [], newLines: [], context: [], endOfFile: false, sourceLine };
}

/** Adds one body line to the hunk; false when the line is not a hunk body line. */
export function addHunkBodyLine(hunk: Hunk, line: string): boolean {
  if (line === "") {
    addContextLine(hunk, "");
    return true;
  }
  const body = line.slice(1);
  switch (line[0]) {
    case " ":
      addContextLine(hunk, body);
      return true;
    case "-":
      hunk.oldLines.push(body);
      return true;
    case "+":
      hunk.newLines.push(body);
      return true;
    case "\\":
      // "\ No newline at end of file": Spark keeps the file's own final-newline state.
      return true;
    default:
      return false;
  }
}

/** A line the hunk keeps: on both sides, and recorded as kept so the applier need not guess it. */
function addContextLine(hunk: Hunk, text: string): void {
  hunk.context?.push([hunk.oldLines.length, hunk.newLines.length]);
  hunk.oldLines.push(text);
  hunk.newLines.push(text);
}
