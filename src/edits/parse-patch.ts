import type { ParsedPatch } from "./patch-types.js";
import { BEGIN_PATCH, parseCodexPatch } from "./parse-codex-patch.js";
import { isSearchMarker, parseSearchReplace } from "./parse-search-replace.js";
import { parseError, splitPatchLines } from "./patch-lines.js";

/**
 * Parses either grammar, picking by content: a `*** Begin Patch` line means Codex; otherwise a
 * `<<<<<<< SEARCH` line means SEARCH/REPLACE blocks. Throws a PatchError ("parse") that names the line.
 */
export function parsePatch(text: string): ParsedPatch {
  const lines = splitPatchLines(text);
  if (lines.some((line) => line.trim() === BEGIN_PATCH)) {
    return { format: "codex", operations: parseCodexPatch(text) };
  }
  if (lines.some(isSearchMarker)) {
    return { format: "search-replace", operations: parseSearchReplace(text) };
  }
  if (lines.some((line) => /^\*\*\* (Add|Delete|Update) File:/.test(line.trim()))) {
    // Codex operations without the envelope: say what is missing rather than "unknown format".
    throw parseError(0, `expected '${BEGIN_PATCH}' as the first line of the patch`, lines[0] ?? "");
  }
  throw parseError(
    0,
    `expected a Codex patch ('${BEGIN_PATCH}' ... '*** End Patch') or SEARCH/REPLACE blocks ('<<<<<<< SEARCH' ... '>>>>>>> REPLACE')`,
  );
}
