import { type FileOperation, PatchError, parsePatch } from "../../src/edits/index.js";
import type { ExpectedHunk, ExpectedOutcome, ExpectedOperation } from "./corpus-types.js";

/**
 * The exact-match baseline the benchmark compares Spark's matcher with: what a strict applier does. It
 * reads both grammars with Spark's parser and keeps line endings, BOM and final newline as Spark does,
 * so the comparison is about matching only. A hunk applies when its old lines occur exactly once in the
 * file (byte for byte, line by line); no fuzzy levels, no `@@` anchors, no end-of-file marker, no cursor.
 * A hunk without old lines is appended (or inserted after its `@@` line, when exactly one line of the
 * file is that text once trimmed). Works on an in-memory workspace: path -> text.
 */
export function applyExactBaseline(patch: string, before: Readonly<Record<string, string>>): ExpectedOutcome {
  const files: Record<string, string> = { ...before };
  let operations: FileOperation[];
  try {
    operations = parsePatch(patch).operations;
  } catch (error) {
    if (error instanceof PatchError) return { status: "refused", parseError: true, operations: [], files };
    throw error;
  }
  const reports = operations.map((op) => applyOperation(op, files));
  const done = reports.filter((op) => op.status !== "failed").length;
  const status = done === 0 ? "refused" : done === reports.length && reports.every((op) => op.status === "applied") ? "applied" : "partial";
  return { status, parseError: false, operations: reports, files };
}

function applyOperation(op: FileOperation, files: Record<string, string>): ExpectedOperation {
  const failed: ExpectedOperation = { kind: op.kind, path: op.path, status: "failed", hunks: [] };
  if (op.kind === "add") {
    files[op.path] = op.contents;
    return { ...failed, status: "applied" };
  }
  if (op.kind === "delete") {
    if (files[op.path] === undefined) return failed;
    delete files[op.path];
    return { ...failed, status: "applied" };
  }
  const text = files[op.path];
  if (text === undefined && !op.createIfMissing) return failed;
  const doc = decode(text ?? "");
  const hunks: ExpectedHunk[] = op.hunks.map((hunk) => {
    if (hunk.oldLines.length === 0) {
      const header = hunk.contextHeaders.at(-1);
      let at = doc.lines.length;
      if (header !== undefined) {
        const found = doc.lines.flatMap((line, i) => (line.trim() === header.trim() ? [i] : []));
        if (found.length !== 1) return found.length === 0 ? "no_match" : "ambiguous";
        at = (found[0] ?? 0) + 1;
      }
      doc.lines.splice(at, 0, ...hunk.newLines);
      return "applied";
    }
    const starts = occurrences(doc.lines, hunk.oldLines);
    if (starts.length !== 1) return starts.length === 0 ? "no_match" : "ambiguous";
    doc.lines.splice(starts[0] ?? 0, hunk.oldLines.length, ...hunk.newLines);
    return "applied";
  });
  const applied = hunks.filter((h) => h === "applied").length;
  if (applied === 0) return { ...failed, hunks };
  const destination = op.moveTo ?? op.path;
  if (destination !== op.path) delete files[op.path];
  files[destination] = encode(doc);
  return { ...failed, status: applied === hunks.length ? "applied" : "partial", hunks };
}

interface Doc {
  lines: string[];
  bom: boolean;
  eol: "\n" | "\r\n";
  finalNewline: boolean;
}

function decode(text: string): Doc {
  const bom = text.startsWith("\uFEFF");
  const body = bom ? text.slice(1) : text;
  const breaks = body.split("\n").length - 1;
  const eol = breaks > 0 && body.split("\r\n").length - 1 === breaks ? "\r\n" : "\n";
  const finalNewline = body === "" || body.endsWith("\n");
  const lines = body === "" ? [] : body.split(eol);
  if (finalNewline && lines.at(-1) === "") lines.pop();
  return { lines, bom, eol, finalNewline };
}

function encode(doc: Doc): string {
  let text = doc.lines.join(doc.eol);
  if (doc.lines.length > 0 && doc.finalNewline) text += doc.eol;
  return doc.bom ? `\uFEFF${text}` : text;
}

function occurrences(lines: readonly string[], pattern: readonly string[]): number[] {
  const starts: number[] = [];
  for (let start = 0; start + pattern.length <= lines.length; start++) {
    if (pattern.every((line, i) => lines[start + i] === line)) starts.push(start);
  }
  return starts;
}
