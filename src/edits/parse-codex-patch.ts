import type { FileOperation, Hunk, UpdateFileOperation } from "./patch-types.js";
import { parseError, splitPatchLines } from "./patch-lines.js";
import { addHunkBodyLine, emptyHunk } from "./hunk-body.js";

/**
 * The Codex `apply_patch` envelope. Lenient where Codex is (markers may carry surrounding whitespace,
 * the first hunk of a file may omit `@@`, an empty line inside a hunk is an empty context line) and in a
 * few places where models drift further (text around the envelope, stacked `@@` headers, unified-diff
 * `@@ -1,3 +1,4 @@` headers, `\ No newline at end of file`). Strict where leniency could hurt: a patch
 * without `*** End Patch` is refused, because it is most likely a stream that was cut off.
 */

export const BEGIN_PATCH = "*** Begin Patch";
export const END_PATCH = "*** End Patch";
const ADD_FILE = "*** Add File:";
const DELETE_FILE = "*** Delete File:";
const UPDATE_FILE = "*** Update File:";
const MOVE_TO = "*** Move to:";
const END_OF_FILE = "*** End of File";
const OPERATION_MARKERS = [ADD_FILE, DELETE_FILE, UPDATE_FILE, END_PATCH];
/** git and `diff -u` write `@@ -12,7 +12,8 @@ text`; the numbers are useless to us, the text is an anchor. */
const UNIFIED_RANGE = /^-\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ?(.*)$/;

/** The `*** Begin Patch` line, which marks a Codex patch. */
export function codexMarkerLine(lines: readonly string[]): number {
  return lines.findIndex((line) => line.trim() === BEGIN_PATCH);
}

export function parseCodexPatch(text: string): FileOperation[] {
  const lines = splitPatchLines(text);
  const { begin, end } = findEnvelope(lines);
  return new CodexParser(lines, end).parseOperations(begin + 1);
}

function findEnvelope(lines: string[]): { begin: number; end: number } {
  const begin = lines.findIndex((line) => line.trim() === BEGIN_PATCH);
  if (begin < 0) throw parseError(0, `expected '${BEGIN_PATCH}' as the first line of the patch`, lines[0] ?? "");
  let end = -1;
  for (let i = lines.length - 1; i > begin; i--) {
    if (lines[i]?.trim() === END_PATCH) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    throw parseError(
      lastNonBlank(lines),
      `expected '${END_PATCH}' as the last line of the patch; the patch looks cut off, so nothing was applied`,
    );
  }
  return { begin, end };
}

function lastNonBlank(lines: string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]?.trim() !== "") return i;
  return 0;
}

function isOperationMarker(line: string): boolean {
  const trimmed = line.trim();
  return OPERATION_MARKERS.some((marker) => trimmed.startsWith(marker));
}

function afterMarker(line: string, marker: string): string {
  return line.trim().slice(marker.length).trim();
}

/** Walks the lines between the envelope markers; `end` is the index of `*** End Patch`. */
class CodexParser {
  constructor(
    private readonly lines: string[],
    private readonly end: number,
  ) {}

  parseOperations(start: number): FileOperation[] {
    const operations: FileOperation[] = [];
    let i = start;
    while (i < this.end) {
      const line = this.at(i);
      if (line.trim() === "") {
        i++;
        continue;
      }
      const parsed = this.parseOperation(i);
      operations.push(parsed.operation);
      i = parsed.next;
    }
    if (operations.length === 0) {
      throw parseError(this.end, "the patch contains no file operations (expected '*** Add File:', '*** Delete File:' or '*** Update File:')");
    }
    return operations;
  }

  private at(i: number): string {
    return this.lines[i] ?? "";
  }

  private parseOperation(i: number): { operation: FileOperation; next: number } {
    const header = this.at(i).trim();
    if (header.startsWith(ADD_FILE)) return this.parseAdd(i);
    if (header.startsWith(DELETE_FILE)) {
      return { operation: { kind: "delete", path: this.pathAfter(i, DELETE_FILE), sourceLine: i + 1 }, next: i + 1 };
    }
    if (header.startsWith(UPDATE_FILE)) return this.parseUpdate(i);
    throw parseError(
      i,
      `expected a file operation: '${ADD_FILE} PATH', '${DELETE_FILE} PATH', '${UPDATE_FILE} PATH' or '${END_PATCH}'`,
      this.at(i),
    );
  }

  private pathAfter(i: number, marker: string): string {
    const path = afterMarker(this.at(i), marker);
    if (path === "") throw parseError(i, `expected a file path after '${marker}'`, this.at(i));
    return path;
  }

  private parseAdd(i: number): { operation: FileOperation; next: number } {
    const path = this.pathAfter(i, ADD_FILE);
    const contents: string[] = [];
    let j = i + 1;
    while (j < this.end) {
      const line = this.at(j);
      if (line.startsWith("+")) {
        contents.push(line.slice(1));
        j++;
        continue;
      }
      // A truly empty line between '+' lines is a model dropping the '+' of an empty line; only
      // accept it when more '+' lines follow, so blank separators before the next header stay harmless.
      const resume = this.nextAddLineAfterBlanks(j);
      if (resume < 0) break;
      for (; j < resume; j++) contents.push("");
    }
    const text = contents.map((line) => `${line}\n`).join("");
    return { operation: { kind: "add", path, contents: text, sourceLine: i + 1 }, next: j };
  }

  private nextAddLineAfterBlanks(j: number): number {
    let k = j;
    while (k < this.end && this.at(k).trim() === "") k++;
    return k > j && k < this.end && this.at(k).startsWith("+") ? k : -1;
  }

  private parseUpdate(i: number): { operation: FileOperation; next: number } {
    const operation: UpdateFileOperation = {
      kind: "update",
      path: this.pathAfter(i, UPDATE_FILE),
      hunks: [],
      createIfMissing: false,
      sourceLine: i + 1,
    };
    let j = i + 1;
    if (j < this.end && this.at(j).trim().startsWith(MOVE_TO)) {
      operation.moveTo = this.pathAfter(j, MOVE_TO);
      j++;
    }
    while (j < this.end) {
      const line = this.at(j);
      if (line.trim() === "") {
        j++;
        continue;
      }
      if (line.startsWith("***") || isOperationMarker(line)) break;
      const parsed = this.parseHunk(j, operation.hunks.length === 0);
      operation.hunks.push(parsed.hunk);
      j = parsed.next;
    }
    if (operation.hunks.length === 0) {
      throw parseError(
        i,
        `'${UPDATE_FILE} ${operation.path}' has no hunks; expected '@@' followed by lines starting with ' ', '-' or '+'`,
      );
    }
    return { operation, next: j };
  }

  private parseHunk(start: number, headerOptional: boolean): { hunk: Hunk; next: number } {
    const hunk = emptyHunk(start + 1);
    let j = start;
    for (let header = readHeader(this.at(j)); header !== null && j < this.end; header = readHeader(this.at(j))) {
      if (header !== "") hunk.contextHeaders.push(header);
      j++;
    }
    if (j === start && !headerOptional) {
      throw parseError(j, "expected '@@' (optionally followed by a line of context) to start the next hunk", this.at(j));
    }
    if (j >= this.end) throw parseError(start, "the hunk has no lines after '@@'; expected lines starting with ' ', '-' or '+'");
    const bodyStart = j;
    for (; j < this.end; j++) {
      const line = this.at(j);
      if (line.trimEnd() === END_OF_FILE) {
        if (j === bodyStart) throw parseError(j, `'${END_OF_FILE}' must follow the lines of a hunk`, line);
        hunk.endOfFile = true;
        j++;
        break;
      }
      if (!this.addHunkLine(hunk, line)) {
        if (j === bodyStart) {
          throw parseError(j, "expected a hunk line starting with ' ' (context), '-' (removed) or '+' (added)", line);
        }
        break;
      }
    }
    return { hunk, next: j };
  }

  /** Adds one body line to the hunk; false when the line does not belong to a hunk body. */
  private addHunkLine(hunk: Hunk, line: string): boolean {
    if (line !== "" && isOperationMarker(line)) return false;
    return addHunkBodyLine(hunk, line);
  }
}

/**
 * The anchor text of a `@@` line: "" for a bare `@@`, the text for `@@ text`, null when the line is not a
 * header at all.
 */
function readHeader(line: string): string | null {
  if (line.trimEnd() === "@@") return "";
  if (!line.startsWith("@@ ")) return null;
  const text = line.slice(3);
  const unified = UNIFIED_RANGE.exec(text);
  if (unified) return (unified[1] ?? "").trim();
  return text.trim();
}
