import type { PatchFormat } from "./patch-types.js";
import type { PatchErrorCode } from "./patch-error.js";
import type { HunkOutcome } from "./apply-hunks.js";

/**
 * What applying a patch did, per file operation and per hunk, in a shape that serialises to JSON as is
 * (for `spark apply --json`, the agent's tool result and checkpoints).
 */

/** applied: everything; partial: some operations or hunks; refused: nothing was written. */
export type ApplyStatus = "applied" | "partial" | "refused";

export interface ReportedError {
  code: PatchErrorCode;
  message: string;
}

export interface OperationReport {
  /** 0-based position in the patch. */
  index: number;
  kind: "add" | "delete" | "update";
  path: string;
  moveTo?: string;
  sourceLine: number;
  /** applied: all of it; partial: some hunks failed, the others were written; failed: the file was not touched. */
  status: "applied" | "partial" | "failed";
  /** Update operations only; one entry per hunk, in patch order. */
  hunks: HunkOutcome[];
  added: number;
  removed: number;
  error?: ReportedError;
}

export interface ChangedFile {
  /** Relative to the workspace, "/"-separated. */
  path: string;
  change: "created" | "modified" | "deleted";
}

export interface ApplyReport {
  status: ApplyStatus;
  /** True when nothing was written on purpose (`--check`); the rest says what would have happened. */
  dryRun: boolean;
  /** Absent when the patch could not be parsed. */
  format?: PatchFormat;
  operations: OperationReport[];
  /** Files written (or that would be, in a dry run), in the order they were written. */
  files: ChangedFile[];
  /** Set when the whole patch was refused before any file was looked at (it did not parse). */
  error?: ReportedError & { line?: number };
}

export function overallStatus(operations: readonly OperationReport[]): ApplyStatus {
  const done = operations.filter((op) => op.status !== "failed").length;
  if (done === 0) return "refused";
  return done === operations.length && operations.every((op) => op.status === "applied") ? "applied" : "partial";
}

/**
 * A plain-text account for a person or a model: one line per operation, and for every failure the
 * full message (closest lines included), so the model can resend only what failed.
 */
export function formatApplyReport(report: ApplyReport): string {
  const verb = report.dryRun ? "would be" : "was";
  if (report.error !== undefined) return `The patch ${verb} refused: ${report.error.message}`;
  const status = STATUS_WORDS[report.status];
  const lines = [`${report.dryRun ? `Patch check: would be ${status}` : `Patch ${status}`} (${summaryCounts(report)}).`];
  for (const op of report.operations) {
    const target = op.moveTo === undefined ? op.path : `${op.path} -> ${op.moveTo}`;
    lines.push(`- ${op.kind} ${target}: ${op.status}${op.status === "failed" ? "" : ` (+${op.added} -${op.removed})`}`);
    if (op.error !== undefined) lines.push(indent(op.error.message));
    for (const hunk of op.hunks) {
      if (hunk.error !== undefined) lines.push(indent(hunk.error.message));
      else if (hunk.notes.length > 0) lines.push(indent(`hunk ${hunk.index + 1}: ${hunk.notes.join("; ")}`));
    }
  }
  return lines.join("\n");
}

const STATUS_WORDS: Record<ApplyStatus, string> = { applied: "applied", partial: "partly applied", refused: "refused" };

function summaryCounts(report: ApplyReport): string {
  const ok = report.operations.filter((op) => op.status !== "failed").length;
  return `${ok} of ${report.operations.length} file operations ${report.dryRun ? "would apply" : "applied"}`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}
