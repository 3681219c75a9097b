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

/** Each key an edit may have, and its JSON type. */
const EDIT_KEYS = {
  path: "string",
  file_path: "string",
  filePath: "string",
  old_string: "string",
  oldString: "string",
  new_string: "string",
  newString: "string",
  replace_all: "boolean",
  replaceAll: "boolean",
} as const;

type EditKey = keyof typeof EDIT_KEYS;
type StringReplacement = { [Key in EditKey]?: (typeof EDIT_KEYS)[Key] extends "string" ? string : boolean };

/** The path keys name a file: an empty one is an error here, not a write to the workspace's root. */
const PATH_KEYS: readonly EditKey[] = ["path", "file_path", "filePath"];

/** A JSON value's kind as an error names it ("number", "array", "null"). */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

/**
 * What is wrong with one edit, each as "where: what" (where = its place in the JSON, "value" for the
 * whole text). Checked by hand, not with a schema library: this shape is small, and zod was the largest
 * module `spark apply` compiled at start (issue 23).
 */
function editProblems(value: unknown, where: string): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${where}: Invalid input: expected object, received ${kindOf(value)}`];
  const entries = Object.entries(value);
  // Own keys only (Object.hasOwn): "__proto__" or "constructor" in the JSON is an unknown key like any other.
  const unknown = entries.filter(([key]) => !Object.hasOwn(EDIT_KEYS, key)).map(([key]) => JSON.stringify(key));
  const problems = unknown.length > 0 ? [`${where}: Unrecognized key${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`] : [];
  const at = (key: string) => (where === "value" ? key : `${where}.${key}`);
  for (const [key, field] of entries) {
    if (!Object.hasOwn(EDIT_KEYS, key)) continue;
    const expected = EDIT_KEYS[key as EditKey];
    if (typeof field !== expected) problems.push(`${at(key)}: Invalid input: expected ${expected}, received ${kindOf(field)}`);
    else if (field === "" && PATH_KEYS.includes(key as EditKey)) problems.push(`${at(key)}: Too small: expected string to have >=1 characters`);
  }
  return problems;
}

/** One edit or a non-empty array of them, checked whole: every problem is named, not just the first. */
function readEdits(value: unknown): { edits: StringReplacement[]; problems: string[] } {
  if (!Array.isArray(value)) return { edits: [value as StringReplacement], problems: editProblems(value, "value") };
  if (value.length === 0) return { edits: [], problems: ["value: Too small: expected array to have >=1 items"] };
  return { edits: value as StringReplacement[], problems: value.flatMap((item, index) => editProblems(item, String(index))) };
}

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
  const { edits, problems } = readEdits(JSON.parse(text.trim()));
  if (problems.length > 0) throw parseError(0, `expected {"path", "old_string", "new_string", "replace_all"?} or an array of them (${problems.join("; ")})`);
  return edits.map((item, index) => toOperation(item, index));
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
