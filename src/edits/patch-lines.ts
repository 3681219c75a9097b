import { PatchError } from "./patch-error.js";

/**
 * Splits patch text into lines. "\r\n" counts as one break, so a patch that passed through a CRLF
 * clipboard or a Windows terminal parses like its LF twin (Rust's `lines()`, which Codex uses, does
 * the same).
 */
export function splitPatchLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/** A parse error that names the 1-based patch line and quotes it, so a model can fix exactly that. */
export function parseError(lineIndex: number, message: string, line?: string): PatchError {
  const quoted = line === undefined ? "" : ` (found: ${JSON.stringify(truncate(line, 120))})`;
  return new PatchError("parse", `Patch line ${lineIndex + 1}: ${message}${quoted}`, { line: lineIndex + 1 });
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
