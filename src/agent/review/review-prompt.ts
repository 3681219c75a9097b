import type { Message } from "../../core/index.js";
import type { CheckResult } from "./run-checks.js";
import type { ReviewVerdict } from "./verdict-schema.js";

/** What the reviewer is shown: the task, the change as a unified diff, and the checks' results. */
export interface ReviewSubject {
  task: string;
  diff: string;
  checks: readonly CheckResult[];
}

/** A diff longer than this is cut in the middle; the reviewer is told so. */
const maxDiffChars = 120_000;

const reviewerInstructions = [
  "You are a senior engineer reviewing a change written by a fast coding model.",
  "Check that it does the task, is correct, keeps the code's style, and introduces no security problem.",
  'Answer with one JSON object and nothing else: {"verdict": "approve" | "revise" | "reject", "summary", "risk": "low" | "medium" | "high",',
  '"comments": [{"file", "line" (a line of the new file, or null), "severity": "blocker" | "major" | "minor" | "nit", "comment"}],',
  '"security": [{"file", "issue"}]}.',
  "approve: ready as it is. revise: fixable; every comment says what to change. reject: the approach is wrong; the summary says why.",
  "Failing checks are never approved.",
].join("\n");

function clippedDiff(diff: string): string {
  if (diff.length <= maxDiffChars) return diff;
  const half = maxDiffChars / 2;
  return `${diff.slice(0, half)}\n… (${diff.length - maxDiffChars} characters of the diff left out) …\n${diff.slice(-half)}`;
}

export function formatCheckResults(checks: readonly CheckResult[]): string {
  if (checks.length === 0) return "No checks are configured or detected for this project.";
  return checks.map((check) => `$ ${check.command}\n${check.status}${check.exitCode === null ? "" : ` (exit code ${check.exitCode})`}\n${check.output.trim()}`).join("\n\n");
}

export function reviewerMessages(subject: ReviewSubject): Message[] {
  const user = [`Task:\n${subject.task}`, `Diff:\n${clippedDiff(subject.diff) || "(empty)"}`, `Checks:\n${formatCheckResults(subject.checks)}`].join("\n\n");
  return [
    { role: "system", content: reviewerInstructions },
    { role: "user", content: user },
  ];
}

function commentLines(verdict: ReviewVerdict): string[] {
  return [
    ...verdict.comments.map((comment) => `- ${comment.file}${comment.line === null ? "" : `:${comment.line}`} [${comment.severity}] ${comment.comment}`),
    ...verdict.security.map((finding) => `- ${finding.file} [security] ${finding.issue}`),
  ];
}

/** The drafter's next message after a `revise` verdict. */
export function revisionRequest(verdict: ReviewVerdict, checks: readonly CheckResult[]): string {
  const failed = checks.filter((check) => check.status === "failed");
  return [
    "A reviewer asked for changes to your work. Address every comment with surgical patches, then summarise what you changed.",
    `Reviewer's summary: ${verdict.summary}`,
    ...commentLines(verdict),
    ...(failed.length > 0 ? ["", "Failing checks:", formatCheckResults(failed)] : []),
  ].join("\n");
}

/** The review model's instruction when the change is handed to it outright. */
export function handoffRequest(reasons: readonly string[], subject: ReviewSubject): string {
  return [
    "The change a fast model made for the task below needs a stronger model. Review it and fix or finish it yourself, with surgical patches.",
    `Why it was handed to you: ${reasons.join("; ")}.`,
    `Task:\n${subject.task}`,
    `The change so far:\n${clippedDiff(subject.diff) || "(empty)"}`,
    `Checks:\n${formatCheckResults(subject.checks)}`,
  ].join("\n\n");
}
