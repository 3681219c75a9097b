import { formatApplyReport } from "./apply-report.js";
import type { LazyEditReport } from "./apply-lazy-edit.js";

/** The apply report, then how the lazy edit was merged (and at what speed, when a model merged it). */
export function formatLazyEditReport(report: LazyEditReport): string {
  const { merge } = report;
  if (merge.method === "none") return formatApplyReport(report);
  if (merge.method === "deterministic") return `${formatApplyReport(report)}\nMerged deterministically (every part of the snippet anchored in one place).`;
  const metrics = merge.metrics;
  const speed = metrics?.decodeTokensPerSecond ? `, ${Math.round(metrics.decodeTokensPerSecond)} tok/s` : "";
  const drafts = metrics ? `, prediction tokens accepted/rejected ${metrics.draftTokensAccepted}/${metrics.draftTokensRejected}` : "";
  const why = merge.modelReason === "requested" ? "as asked" : `because ${merge.modelReason}`;
  return `${formatApplyReport(report)}\nMerged by ${merge.model ?? "the merge model"} ${why}${speed}${drafts}.`;
}
