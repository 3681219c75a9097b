import type { ParsedPatch } from "./patch-types.js";
import { BEGIN_PATCH } from "./parse-codex-patch.js";
import { parseError, splitPatchLines } from "./patch-lines.js";
import { detectPatchFormat } from "./patch-formats.js";

/**
 * Parses any format Spark reads (patch-formats.ts), picking by content. Throws a PatchError ("parse")
 * that names the line.
 */
export function parsePatch(text: string): ParsedPatch {
  const lines = splitPatchLines(text);
  const reader = detectPatchFormat(lines, text);
  if (reader !== undefined) return { format: reader.format, operations: reader.parse(text) };
  if (lines.some((line) => /^\*\*\* (Add|Delete|Update) File:/.test(line.trim()))) {
    // Codex operations without the envelope: say what is missing rather than "unknown format".
    throw parseError(0, `expected '${BEGIN_PATCH}' as the first line of the patch`, lines[0] ?? "");
  }
  throw parseError(
    0,
    `expected a Codex patch ('${BEGIN_PATCH}' ... '*** End Patch'), SEARCH/REPLACE blocks ('<<<<<<< SEARCH' ... '>>>>>>> REPLACE'), a unified diff ('--- a/PATH', '+++ b/PATH', '@@ ... @@') or string replacements as JSON ({"path", "old_string", "new_string"})`,
  );
}
