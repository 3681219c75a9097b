import type { CaseFormat } from "./corpus-types.js";
import type { SourceFile } from "./corpus-source.js";
import { type PlannedHunk, windowLength, windowLines } from "./corpus-hunks.js";
import * as drifts from "./corpus-drift.js";
import type { BodyLine, PatchHunk, PatchOp } from "./corpus-render.js";
import type { RuleHunk } from "./corpus-rules.js";

/**
 * One file's planned edit and how the model writes it: the drifted patch lines of each hunk (drawn once
 * and cached), the rule input for each hunk, and facts about the case that follow from them.
 */

/** Everything one update operation needs: the file, the planned hunks, and how the model writes them. */
export interface FileEdit {
  path: string;
  file: SourceFile;
  hunks: PlannedHunk[];
  /** Drift of each hunk's lines, built from the hunk's own lines. */
  drift: (old: readonly string[], added: readonly string[]) => drifts.LineDrift;
  /** `@@` headers per hunk (Codex only). */
  headers: string[][];
  endOfFile: boolean[];
  /** Hunk index -> a stale copy of one of its old lines (index in the window). */
  stale?: { hunk: number; line: number };
  /** Hunk index that gets a trailing blank context line. */
  eofBlank?: number;
  /** Patch order of the hunks (indexes into `hunks`). */
  order: number[];
  moveTo?: string;
  /** The hunks as written (drift drawn once), filled on first use. */
  patches?: Array<{ hunk: PatchHunk; rule: RuleHunk }>;
}

/** One operation of the patch; `fails`: it names a file that is not there. */
export interface PlannedOp {
  op: PatchOp;
  edit?: FileEdit;
  fails?: boolean;
}

/** SEARCH/REPLACE blocks have no `@@` headers and no end-of-file marker. */
export function adaptToFormat(edit: FileEdit, format: CaseFormat): void {
  if (format === "codex") return;
  edit.headers = edit.hunks.map(() => []);
  edit.endOfFile = edit.hunks.map(() => false);
}

/** Some hunk's old lines, as written, differ from the file's. */
export function isDrifted(edit: FileEdit): boolean {
  return patchesOf(edit).some((p, i) => {
    const h = edit.hunks[i];
    return h !== undefined && p.rule.oldLines.some((line, k) => line !== withoutCr(windowLines(edit.file, h)[k] ?? ""));
  });
}

/**
 * In hunk `i`, a removed line reads exactly like (in the patch) a context or an added line, but what the
 * file has there differs from what must end up in the file.
 */
export function pairingSensitive(edit: FileEdit, i: number): boolean {
  const h = edit.hunks[i];
  const patch = patchesOf(edit)[i];
  if (h === undefined || patch === undefined) return false;
  const raw = windowLines(edit.file, h);
  const quoted = patch.rule.oldLines;
  const written = patch.hunk.body.filter(([tag]) => tag === "+").map(([, text]) => text);
  for (let r = h.before; r < h.before + h.removed; r++) {
    for (let k = 0; k < raw.length; k++) {
      if ((k < h.before || k >= h.before + h.removed) && quoted[k] === quoted[r] && raw[k] !== raw[r]) return true;
    }
    for (let j = 0; j < written.length; j++) if (written[j] === quoted[r] && h.added[j] !== raw[r]) return true;
  }
  return false;
}

/** Some added line is indented (level > 0) at a level that none of the hunk's non-blank old lines has. */
export function addsNewIndentation(file: SourceFile, h: PlannedHunk): boolean {
  const known = new Set<number>();
  for (let k = h.start; k < h.start + windowLength(h); k++) if (file.lines[k]?.trim() !== "") known.add(file.depths[k] ?? 0);
  return h.addedDepths.some((d, i) => d > 0 && h.added[i]?.trim() !== "" && !known.has(d));
}

function withoutCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

export function patchesOf(edit: FileEdit): Array<{ hunk: PatchHunk; rule: RuleHunk }> {
  edit.patches ??= edit.hunks.map((_, i) => hunkPatch(edit, i));
  return edit.patches;
}

/** The patch's lines for one hunk, drift applied (drawn here, once), and the matching rule input. */
function hunkPatch(edit: FileEdit, index: number): { hunk: PatchHunk; rule: RuleHunk } {
  const h = edit.hunks[index];
  if (h === undefined) throw new Error(`no hunk ${index}`);
  // A model never writes the "\r" of a CRLF line (it only shows up in mixed-ending files' lines).
  const window = windowLines(edit.file, h).map(withoutCr);
  const plainAdded = h.added.map(withoutCr);
  const drift = edit.drift(window, plainAdded);
  const quoted = window.map((line, i) => drift.quote(line, i));
  if (edit.stale?.hunk === index) {
    const i = edit.stale.line;
    quoted[i] = drifts.staleVersion(quoted[i] ?? "") ?? quoted[i] ?? "";
  }
  const added = plainAdded.map((line) => drift.added(line));
  const body: BodyLine[] = [
    ...quoted.slice(0, h.before).map((text): BodyLine => [" ", text]),
    ...quoted.slice(h.before, h.before + h.removed).map((text): BodyLine => ["-", text]),
    ...added.map((text): BodyLine => ["+", text]),
    ...quoted.slice(h.before + h.removed).map((text): BodyLine => [" ", text]),
  ];
  if (edit.eofBlank === index) body.push([" ", ""]);
  const headers = edit.headers[index] ?? [];
  const endOfFile = edit.endOfFile[index] ?? false;
  const oldLines = body.filter(([tag]) => tag !== "+").map(([, text]) => text);
  return { hunk: { headers, body, endOfFile }, rule: { oldLines, headers, endOfFile } };
}

export function updateOp(edit: FileEdit, format: CaseFormat): PatchOp {
  const patches = patchesOf(edit);
  const hunks = edit.order.flatMap((i) => patches[i]?.hunk ?? []);
  if (format === "search-replace" && hunks.some((h) => h.headers.length > 0 || h.endOfFile)) throw new Error("Codex-only syntax in a SEARCH/REPLACE case");
  return edit.moveTo === undefined ? { kind: "update", path: edit.path, hunks } : { kind: "update", path: edit.path, moveTo: edit.moveTo, hunks };
}
