import type { ReviewOutcome, ReviewReport, ReviewRound } from "./review-events.js";
import type { ModelAccount } from "./usage-ledger.js";
import type { ReviewVerdict } from "./verdict-schema.js";

const outcomeWords: Record<ReviewOutcome, string> = {
  approved: "approved by the reviewer",
  rejected: "rejected by the reviewer",
  "revise-limit": "the reviewer still asks for changes after the last round",
  "not-reviewed": "not reviewed (no --review, nothing escalated)",
  "handed-off": "handed off to the review model",
  "no-changes": "no files changed: nothing to review",
  failed: "failed",
  interrupted: "interrupted",
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The verdict as lines: the decision, the risk, the summary, then each comment with its file and line. */
export function formatVerdict(verdict: ReviewVerdict, indent = "  "): string[] {
  return [
    `${indent}verdict: ${verdict.verdict} · risk ${verdict.risk} · ${verdict.summary}`,
    ...verdict.comments.map((comment) => `${indent}  ${comment.file}${comment.line === null ? "" : `:${comment.line}`} [${comment.severity}] ${comment.comment}`),
    ...verdict.security.map((finding) => `${indent}  ${finding.file} [security] ${finding.issue}`),
  ];
}

function roundLines(round: ReviewRound): string[] {
  const checks = round.checks.length === 0 ? "no checks run" : round.checks.map((check) => `${check.command}: ${check.status}`).join(", ");
  return [
    `Round ${round.round} · ${round.kind} by ${round.model} · agent ${round.agentStatus} · ${round.files.length} file${round.files.length === 1 ? "" : "s"} (${round.files.join(", ") || "none"})`,
    `  checks: ${checks}`,
    ...(round.verdict ? formatVerdict(round.verdict) : []),
  ];
}

function accountLine(account: ModelAccount): string {
  const speed = account.tokensPerSecond === null ? "" : ` · ${Math.round(account.tokensPerSecond)} tok/s`;
  const cost = account.cost === null ? "" : ` · cost ${account.cost.toFixed(4)}`;
  const buckets = account.buckets.length > 0 ? ` · bucket ${account.buckets.join(", ")}` : "";
  return `  ${account.role} ${account.model}: ${account.calls} call${account.calls === 1 ? "" : "s"} · ${seconds(account.ms)} · ${account.inputTokens} prompt + ${account.outputTokens} output tokens${speed}${cost}${buckets}`;
}

/** The closing report of a drafter–reviewer run, for stderr. */
export function formatReviewReport(report: ReviewReport): string {
  const lines = ["", `Review: ${outcomeWords[report.outcome]} (${seconds(report.elapsedMs)})`];
  if (report.escalation?.escalate) lines.push(`Escalated (${report.escalation.mode}): ${report.escalation.reasons.join("; ")}`);
  for (const round of report.rounds) lines.push(...roundLines(round));
  if (report.accounting.length > 0) lines.push("Models:", ...report.accounting.map(accountLine));
  if (report.error) lines.push(`spark: ${report.error}`);
  return `${lines.join("\n")}\n`;
}
