import { formatApplyReport, type ApplyReport } from "../../edits/index.js";
import type { ToolResult } from "./tool.js";

/** An applied patch as the agent's tool result: the report for the model, the files changed for the user. */
export function patchToolResult(report: ApplyReport): ToolResult {
  const changes = report.operations
    .filter((operation) => operation.status !== "failed")
    .map((operation) => ({ path: operation.moveTo ?? operation.path, added: operation.added, removed: operation.removed }));
  return { ok: report.status === "applied", output: formatApplyReport(report), changes };
}
