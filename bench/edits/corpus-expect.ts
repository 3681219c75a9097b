import type { CaseFormat, ExpectedHunk, ExpectedOperation, ExpectedOutcome } from "./corpus-types.js";
import { renderFile } from "./corpus-source.js";
import { type PlannedHunk, replacementLines, windowLength } from "./corpus-hunks.js";
import { locateByRules } from "./corpus-rules.js";
import { type FileEdit, type PlannedOp, patchesOf } from "./corpus-edit.js";

/**
 * The expected outcome, from the rules: each hunk is located by the rule model; a hunk the rules place
 * exactly where the edit meant it gets the intended lines; a refused one changes nothing. A draw the rules
 * would place somewhere else is dropped (undefined): the corpus only holds cases whose answer is clear.
 */
export function expectOutcome(format: CaseFormat, ops: readonly PlannedOp[], before: Record<string, string>): ExpectedOutcome | undefined {
  const files = { ...before };
  const operations: ExpectedOperation[] = [];
  for (const { op, edit, fails } of ops) {
    if (fails === true) {
      const blocks = format === "search-replace" && op.kind === "update" ? op.hunks.length : 1;
      for (let b = 0; b < blocks; b++) operations.push({ kind: op.kind, path: op.path, status: "failed", hunks: [] });
      continue;
    }
    if (op.kind === "add") {
      const text = op.lines.map((line) => `${line}\n`).join("");
      files[op.path] = text;
      operations.push(format === "codex" ? { kind: "add", path: op.path, status: "applied", hunks: [] } : { kind: "update", path: op.path, status: "applied", hunks: ["applied"] });
      continue;
    }
    if (op.kind === "delete") {
      delete files[op.path];
      operations.push({ kind: "delete", path: op.path, status: "applied", hunks: [] });
      continue;
    }
    if (edit === undefined) throw new Error("an update without its edit");
    const result = format === "codex" ? expectCodexUpdate(edit) : expectBlocks(edit);
    if (result === undefined) return undefined;
    if (format === "codex") {
      const applied = result.outcomes.filter((o) => o === "applied").length;
      const status = applied === 0 ? "failed" : applied === result.outcomes.length ? "applied" : "partial";
      operations.push({ kind: "update", path: edit.path, status, hunks: result.outcomes });
      if (applied > 0) {
        if (edit.moveTo !== undefined) delete files[edit.path];
        files[edit.moveTo ?? edit.path] = renderFile(result.lines, edit.file);
      }
    } else {
      for (const outcome of result.outcomes) operations.push({ kind: "update", path: edit.path, status: outcome === "applied" ? "applied" : "failed", hunks: [outcome] });
      files[edit.path] = renderFile(result.lines, edit.file);
    }
  }
  const done = operations.filter((op) => op.status !== "failed").length;
  const status = done === 0 ? "refused" : done === operations.length && operations.every((op) => op.status === "applied") ? "applied" : "partial";
  return { status, parseError: false, operations, files };
}

/** Codex: every hunk is located in the original lines, in patch order; successful ones are spliced in. */
function expectCodexUpdate(edit: FileEdit): { outcomes: ExpectedHunk[]; lines: string[] } | undefined {
  const file = edit.file;
  const patches = patchesOf(edit);
  const located = locateByRules(file.lines, edit.order.flatMap((i) => patches[i]?.rule ?? []));
  const outcomes: ExpectedHunk[] = [];
  const splices: PlannedHunk[] = [];
  for (const [k, where] of located.entries()) {
    const h = edit.hunks[edit.order[k] ?? -1];
    if (h === undefined) return undefined;
    if (!where.ok) {
      outcomes.push(where.code);
      continue;
    }
    if (where.start !== h.start || where.length !== windowLength(h)) return undefined;
    outcomes.push("applied");
    splices.push(h);
  }
  const lines = [...file.lines];
  for (const h of [...splices].sort((a, b) => b.start - a.start)) lines.splice(h.start, windowLength(h), ...replacementLines(file, h));
  return { outcomes, lines };
}

/** SEARCH/REPLACE: each block is its own operation, located in the file as the blocks before it left it. */
function expectBlocks(edit: FileEdit): { outcomes: ExpectedHunk[]; lines: string[] } | undefined {
  const file = edit.file;
  let lines = [...file.lines];
  let shift = 0;
  const outcomes: ExpectedHunk[] = [];
  for (const i of edit.order) {
    const h = edit.hunks[i];
    if (h === undefined) return undefined;
    const rule = patchesOf(edit)[i]?.rule;
    if (rule === undefined) return undefined;
    const [where] = locateByRules(lines, [rule]);
    if (where === undefined) return undefined;
    if (!where.ok) {
      outcomes.push(where.code);
      continue;
    }
    const start = h.insertion === "append" ? lines.length : h.start + shift;
    if (where.start !== start || where.length !== windowLength(h)) return undefined;
    const replacement = replacementLines(file, h);
    lines = [...lines.slice(0, start), ...replacement, ...lines.slice(start + windowLength(h))];
    shift += replacement.length - windowLength(h);
    outcomes.push("applied");
  }
  return { outcomes, lines };
}

