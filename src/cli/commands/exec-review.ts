import type { Tool } from "../../agent/index.js";
import { formatReviewReport, runReviewPipeline, type ReviewOutcome, type ReviewReport } from "../../agent/review/index.js";
import type { Message } from "../../core/index.js";
import { sessionDiff } from "../../edits/index.js";
import type { SparkStores } from "../../store/index.js";
import {
  agentCallSettings,
  agentContextPolicy,
  agentToolContext,
  checkRunnerFor,
  checksFor,
  escalationPolicyFrom,
  maxRoundsFrom,
  pricesFrom,
  reviewerFor,
  type AgentWiring,
  type ModelRuntime,
  type OpenedModel,
  type ReviewFlags,
} from "../../runtime/index.js";
import { exitCodes } from "../common/exit-codes.js";
import { renderReviewEvent } from "../common/render-review-event.js";

/** `spark exec --review` (and exec with escalation): exit 0 when the change stands, 1 when the reviewer did not approve it. */
export const reviewExitCodes: Record<ReviewOutcome, number> = {
  approved: exitCodes.ok,
  "not-reviewed": exitCodes.ok,
  "handed-off": exitCodes.ok,
  "no-changes": exitCodes.ok,
  rejected: exitCodes.failed,
  "revise-limit": exitCodes.failed,
  failed: exitCodes.failed,
  interrupted: exitCodes.interrupted,
};

export interface ReviewedExec {
  task: string;
  messages: Message[];
  /** Its review role is the reviewer. */
  runtime: ModelRuntime;
  /** The drafter. */
  model: OpenedModel;
  /** Spark's tools and those of the configured MCP servers. */
  tools: readonly Tool[];
  wiring: AgentWiring;
  stores: SparkStores;
  sessionId: string;
  review: boolean;
  flags: ReviewFlags;
  maxTurns: number | undefined;
  json: boolean;
  signal: AbortSignal;
}

/** Whether exec goes through the pipeline: asked to review, or escalation is on and a review model exists. */
export function wantsPipeline(runtime: ModelRuntime, review: boolean, flags: ReviewFlags): boolean {
  if (review) return true;
  if (!escalationPolicyFrom(runtime.loaded, flags)) return false;
  return runtime.roleName("review") !== undefined;
}

/** Runs the task through the drafter–reviewer pipeline, saving the drafter's conversation in the session. */
export async function execReviewed(run: ReviewedExec): Promise<number> {
  const { loaded } = run.runtime;
  const events = runReviewPipeline({
    task: run.task,
    messages: run.messages,
    drafter: { name: run.model.resolved.name, client: run.model.client, ...agentCallSettings(run.model.resolved.settings), context: await agentContextPolicy(run.runtime, run.model) },
    reviewer: reviewerFor(run.runtime),
    tools: run.tools,
    toolContext: agentToolContext(run.wiring, run.stores, run.sessionId),
    currentChange: async () => {
      const diff = await sessionDiff({ workspace: run.wiring.workspace, store: run.stores.checkpoints, sessionId: run.sessionId });
      return { diff: diff.text, files: diff.files.map((file) => file.path) };
    },
    checks: await checksFor(loaded, run.wiring.workspace),
    checkRunner: await checkRunnerFor(loaded, run.wiring.workspace, run.wiring.sandbox),
    review: run.review,
    escalation: escalationPolicyFrom(loaded, run.flags),
    maxRounds: maxRoundsFrom(loaded, run.flags.maxReviewRounds),
    prices: pricesFrom(loaded),
    cacheKey: run.sessionId,
    signal: run.signal,
    ...(run.maxTurns !== undefined ? { maxTurns: run.maxTurns } : {}),
  });
  let report: ReviewReport | undefined;
  for await (const event of events) {
    if (event.type === "agent" && event.role === "drafter" && event.event.type === "message") {
      run.stores.sessions.append(run.sessionId, event.event.message, { interrupted: event.event.interrupted });
    }
    if (run.json) process.stdout.write(`${JSON.stringify(event)}\n`);
    else renderReviewEvent(event, process);
    if (event.type === "report") report = event.report;
  }
  if (!report) return exitCodes.failed;
  if (!run.json) process.stderr.write(`${formatReviewReport(report)}[session ${run.sessionId}]\n`);
  return reviewExitCodes[report.outcome];
}
