import type { FileOperation, PatchFormat } from "./patch-types.js";
import { codexMarkerLine, parseCodexPatch } from "./parse-codex-patch.js";
import { parseSearchReplace, searchMarkerLine } from "./parse-search-replace.js";
import { parseStringReplace, stringReplaceMarkerLine } from "./parse-string-replace.js";
import { parseUnifiedDiff, unifiedDiffMarkerLine } from "./parse-unified-diff.js";

/**
 * Every edit format Spark reads, each found by the first line that only it would write. Adding a format
 * is one entry here (and its name in PatchFormat).
 */
export interface PatchFormatReader {
  format: PatchFormat;
  /** 0-based index of the first line that marks the text as this format; -1 when there is none. */
  markerLine(lines: readonly string[], text: string): number;
  parse(text: string): FileOperation[];
}

export const PATCH_FORMATS: readonly PatchFormatReader[] = [
  { format: "codex", markerLine: codexMarkerLine, parse: parseCodexPatch },
  { format: "search-replace", markerLine: searchMarkerLine, parse: parseSearchReplace },
  { format: "string-replace", markerLine: stringReplaceMarkerLine, parse: parseStringReplace },
  { format: "unified-diff", markerLine: unifiedDiffMarkerLine, parse: parseUnifiedDiff },
];

/**
 * The format whose marker comes first in the text (the earlier entry on a tie): a SEARCH/REPLACE block
 * that edits a `.patch` file, or a diff that adds SEARCH/REPLACE markers to a document, is read as what
 * it starts as.
 */
export function detectPatchFormat(lines: readonly string[], text: string): PatchFormatReader | undefined {
  let best: { reader: PatchFormatReader; line: number } | undefined;
  for (const reader of PATCH_FORMATS) {
    const line = reader.markerLine(lines, text);
    if (line >= 0 && (best === undefined || line < best.line)) best = { reader, line };
  }
  return best?.reader;
}
