import { z } from "zod";
import type { FileOperation, UpdateFileOperation } from "./patch-types.js";
import { parseError } from "./patch-lines.js";

/**
 * String replacements, the edit format of Claude Code's, opencode's and Gemini CLI's edit tools, as JSON:
 *
 *     {"path": "src/a.ts", "old_string": "return 1;", "new_string": "return 2;", "replace_all": false}
 *
 * or an array of such objects (applied in order, each to the file as the ones before left it). The
 * other tools' spellings are accepted too: `file_path`/`filePath`, `oldString`, `newString`,
 * `replaceAll`. An empty old_string creates a file that does not exist yet.
 */

const edit = z
  .object({
    path: z.string().min(1).optional(),
    file_path: z.string().min(1).optional(),
    filePath: z.string().min(1).optional(),
    old_string: z.string().optional(),
    oldString: z.string().optional(),
    new_string: z.string().optional(),
    newString: z.string().optional(),
    replace_all: z.boolean().optional(),
    replaceAll: z.boolean().optional(),
  })
  .strict();

export type StringReplacement = z.infer<typeof edit>;

const edits = z.union([edit, z.array(edit).min(1)]);

/** The whole text is JSON (an object or an array): string replacements, at its first line. */
export function stringReplaceMarkerLine(lines: readonly string[], text: string): number {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return -1;
  try {
    JSON.parse(trimmed);
  } catch {
    return -1;
  }
  return lines.findIndex((line) => line.trim() !== "");
}

export function parseStringReplace(text: string): FileOperation[] {
  const parsed = edits.safeParse(JSON.parse(text.trim()));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`).join("; ");
    throw parseError(0, `expected {"path", "old_string", "new_string", "replace_all"?} or an array of them (${problems})`);
  }
  const list = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  return list.map((item, index) => toOperation(item, index));
}

function toOperation(item: StringReplacement, index: number): UpdateFileOperation {
  const path = item.path ?? item.file_path ?? item.filePath;
  const oldText = item.old_string ?? item.oldString;
  const newText = item.new_string ?? item.newString;
  const where = `edit ${index + 1}`;
  if (path === undefined) throw parseError(0, `${where} has no "path" (the file to edit, relative to the workspace)`);
  if (oldText === undefined || newText === undefined) throw parseError(0, `${where} needs both "old_string" and "new_string"`);
  const oldLines = splitText(oldText);
  return {
    kind: "update",
    path,
    hunks: [
      {
        contextHeaders: [],
        oldLines,
        newLines: splitText(newText),
        endOfFile: false,
        sourceLine: index + 1,
        literal: { replaceAll: (item.replace_all ?? item.replaceAll) === true },
      },
    ],
    createIfMissing: oldLines.length === 0,
    sourceLine: index + 1,
  };
}

/** Lines of a replacement text; "" has none, and CRLF counts as one break. */
function splitText(text: string): string[] {
  return text === "" ? [] : text.replace(/\r\n/g, "\n").split("\n");
}
