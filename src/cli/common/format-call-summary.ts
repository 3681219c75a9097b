import type { FinishReason, Metrics, Usage } from "../../core/index.js";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function rate(value: number | null): string {
  return value === null ? "n/a" : `${integer.format(value)} tok/s`;
}

/** The one-line speed report printed to stderr after an answer. */
export function formatCallSummary(model: string, usage: Usage, metrics: Metrics, reason: FinishReason): string {
  const parts = [
    model,
    `TTFT ${metrics.ttftMs === null ? "n/a" : `${integer.format(metrics.ttftMs)} ms`}`,
    `decode ${rate(metrics.decodeTokensPerSecond)}`,
  ];
  if (metrics.prefillTokensPerSecond !== null) parts.push(`prefill ${rate(metrics.prefillTokensPerSecond)}`);
  const cached = usage.cachedInputTokens > 0 ? ` (${integer.format(usage.cachedInputTokens)} cached)` : "";
  parts.push(`${integer.format(usage.inputTokens)} prompt${cached} + ${integer.format(usage.outputTokens)} output tokens`);
  if (usage.acceptedPredictionTokens || usage.rejectedPredictionTokens) {
    parts.push(`prediction ${usage.acceptedPredictionTokens} accepted / ${usage.rejectedPredictionTokens} rejected`);
  }
  parts.push(`${integer.format(metrics.totalMs)} ms total`);
  if (reason !== "stop") parts.push(reason === "abort" ? "interrupted" : `finish: ${reason}`);
  return `[${parts.join(" · ")}]`;
}
