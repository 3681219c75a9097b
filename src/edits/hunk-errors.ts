import type { Hunk } from "./patch-types.js";
import type { HunkError } from "./hunk-outcome.js";
import type { NormalizedLines } from "./line-normalize.js";
import { describeLevel } from "./match-hunk.js";
import { findClosestRegion, formatNumberedLines } from "./closest-region.js";

/**
 * The messages a refused hunk gets. Each tells the model what to send next, in the words of the format it
 * wrote: a hunk to resend with exact context, or an old_string to copy exactly.
 */

const MAX_QUOTED_LINES = 12;

function hunkName(hunk: Hunk, index: number, displayPath: string): string {
  if (hunk.literal !== undefined) return `Edit ${hunk.sourceLine} of ${displayPath} (its old_string)`;
  return `Hunk ${index + 1} of ${displayPath} (patch line ${hunk.sourceLine})`;
}

function quote(lines: readonly string[]): string {
  const shown = lines.slice(0, MAX_QUOTED_LINES).map((line) => `  ${line}`);
  if (lines.length > MAX_QUOTED_LINES) shown.push(`  … ${lines.length - MAX_QUOTED_LINES} more lines`);
  return shown.join("\n");
}

export function noOpError(hunk: Hunk, index: number, displayPath: string): HunkError {
  const message =
    `${hunkName(hunk, index, displayPath)} changes nothing: its old and new text are identical, so it was not applied. ` +
    "If the file already reads as you want, there is nothing to do; otherwise resend it with the new text you meant.";
  return { code: "no_op", message };
}

export function ambiguousError(hunk: Hunk, index: number, displayPath: string, level: Parameters<typeof describeLevel>[0], starts: number[]): HunkError {
  const candidates = starts.map((start) => start + 1);
  const where = `(lines ${candidates.join(", ")}, compared ${describeLevel(level)})`;
  const hint = hunk.lineHint === undefined ? "" : ` Its line number ${hunk.lineHint} is not clearly nearer one of them, and line numbers alone never place an edit.`;
  const advice =
    hunk.literal !== undefined
      ? "Include more of the surrounding lines in old_string so that it occurs once, or set replace_all to true to change every occurrence."
      : "Resend it with more unchanged context lines, or an '@@' line naming the enclosing function or class, so it matches one place.";
  const message = `${hunkName(hunk, index, displayPath)} matches ${candidates.length} places equally well ${where}; nothing was changed for it.${hint} ${advice}`;
  return { code: "ambiguous", message, candidates };
}

export function noMatchError(doc: NormalizedLines, hunk: Hunk, index: number, cursor: number, displayPath: string, missingHeaders: string[]): HunkError {
  const closest = findClosestRegion(doc.lines, hunk.oldLines);
  const where = cursor > 0 ? ` (searched the whole file; hunks before it ended at line ${cursor})` : "";
  const parts = [`${hunkName(hunk, index, displayPath)} did not match${where}; nothing was changed for it. It expected:`, quote(hunk.oldLines)];
  for (const header of missingHeaders) parts.push(`Its @@ header ${JSON.stringify(header)} is not in the file either.`);
  if (closest !== undefined) {
    const percent = Math.round(closest.similarity * 100);
    parts.push(`The closest lines in the file are ${closest.startLine}-${closest.endLine} (${percent}% similar):`);
    parts.push(formatNumberedLines(closest.startLine, closest.lines.slice(0, MAX_QUOTED_LINES)));
    parts.push(hunk.literal !== undefined ? "Copy old_string exactly from the file (without the line numbers) and call again." : "Resend only this hunk, with its context copied exactly from the file.");
  } else {
    parts.push("The file is empty.");
  }
  return closest === undefined ? { code: "no_match", message: parts.join("\n") } : { code: "no_match", message: parts.join("\n"), closest };
}

export function headerMissingError(doc: NormalizedLines, hunk: Hunk, index: number, displayPath: string, missing: string[]): HunkError {
  const closest = findClosestRegion(doc.lines, missing.slice(0, 1));
  const parts = [
    `${hunkName(hunk, index, displayPath)} only adds lines, after the @@ header ${JSON.stringify(missing[0] ?? "")}, which is not in the file; nothing was changed for it.`,
  ];
  if (closest !== undefined) {
    parts.push(`The most similar line is ${closest.startLine}:`, formatNumberedLines(closest.startLine, closest.lines));
  }
  return closest === undefined ? { code: "no_match", message: parts.join("\n") } : { code: "no_match", message: parts.join("\n"), closest };
}

/** A pure insertion that only a line number would place. */
export function unplacedInsertionError(hunk: Hunk, index: number, displayPath: string): HunkError {
  const message =
    `${hunkName(hunk, index, displayPath)} only adds lines and has no unchanged lines around them, so only its line number ${hunk.lineHint ?? ""} says where they go; ` +
    "line numbers are often off, so Spark does not place an edit by one alone and nothing was changed for it. " +
    "Resend it with two or three unchanged lines copied from the file before and after the added lines.";
  return { code: "no_match", message };
}

/** An empty old_string (create a file) aimed at a file that has content. */
export function emptyLiteralError(hunk: Hunk, index: number, displayPath: string): HunkError {
  const message =
    `${hunkName(hunk, index, displayPath)} is empty, which only creates a new file, and ${displayPath} already has content; nothing was changed. ` +
    "Put the exact text to replace in old_string.";
  return { code: "no_match", message };
}
