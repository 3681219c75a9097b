import type { AgentEvent, AgentStatus } from "../agent-events.js";
import type { StreamEvent } from "../../core/index.js";
import type { EscalationDecision } from "./escalation-policy.js";
import type { CheckResult } from "./run-checks.js";
import type { ModelAccount } from "./usage-ledger.js";
import type { ReviewVerdict } from "./verdict-schema.js";

export type ReviewRole = "drafter" | "reviewer";

/**
 * One pass of the loop: a model changed the code (draft, revision, or handoff: the review model's own
 * rounds once the task was handed to it), the checks ran, maybe a verdict.
 */
export interface ReviewRound {
  round: number;
  kind: "draft" | "revision" | "handoff";
  /** The model that wrote this round's change. */
  model: string;
  agentStatus: AgentStatus;
  /** Files that differ from before the task, after this round. */
  files: string[];
  checks: CheckResult[];
  verdict?: ReviewVerdict;
  /** Why the agent failed, when it did. */
  error?: string;
}

export type ReviewOutcome =
  /** The reviewer approved the change. */
  | "approved"
  | "rejected"
  /** The reviewer still asked for changes after the last allowed round. */
  | "revise-limit"
  /** No review was asked for and nothing escalated: the draft stands. */
  | "not-reviewed"
  /** Escalation gave the task to the review model, whose change stands. */
  | "handed-off"
  | "no-changes"
  | "failed"
  | "interrupted";

export interface ReviewReport {
  task: string;
  outcome: ReviewOutcome;
  /** Present when the escalation policy ran (not with --no-escalate): every round's reasons together. */
  escalation?: EscalationDecision;
  rounds: ReviewRound[];
  accounting: ModelAccount[];
  elapsedMs: number;
  error?: string;
}

/**
 * What the drafter–reviewer pipeline reports, in order: each stage as it starts, the models' events
 * (the drafter's agent events, the reviewer's stream events), check results, the escalation decision,
 * each verdict, and one final report.
 */
export type ReviewEvent =
  | { type: "stage"; round: number; stage: ReviewRound["kind"] | "checks" | "review"; model: string }
  | { type: "agent"; round: number; role: ReviewRole; event: AgentEvent }
  | { type: "reviewer-stream"; round: number; event: StreamEvent }
  | { type: "checks"; round: number; results: CheckResult[] }
  /** The escalation policy picked the change after `round`, for `decision.reasons` (only the reasons new in this round). */
  | { type: "escalation"; round: number; decision: EscalationDecision }
  | { type: "verdict"; round: number; verdict: ReviewVerdict }
  | { type: "report"; report: ReviewReport };
