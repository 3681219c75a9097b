import type { Message } from "../../core/index.js";
import { toSparkError } from "../../core/index.js";
import type { ModelClient } from "../../models/index.js";
import type { AgentStatus } from "../agent-events.js";
import type { ContextPolicy } from "../context/index.js";
import { runAgent } from "../run-agent.js";
import type { Tool, ToolContext } from "../tools/index.js";
import { decideEscalation, type EscalationDecision, type EscalationPolicy } from "./escalation-policy.js";
import { requestVerdict, reviewerSettings } from "./request-verdict.js";
import { ReviewError } from "./review-error.js";
import type { ReviewEvent, ReviewOutcome, ReviewReport, ReviewRound } from "./review-events.js";
import { handoffRequest, revisionRequest } from "./review-prompt.js";
import { runChecks, type CheckRunner } from "./run-checks.js";
import { UsageLedger, type ModelPrice } from "./usage-ledger.js";
import type { ReviewVerdict } from "./verdict-schema.js";

/** The change so far, against the state before the task. */
export interface WorkspaceChange {
  diff: string;
  files: string[];
}

interface CallSettings {
  temperature?: number;
  maxTokens?: number;
  /** The model's window: the agent compacts the conversation to fit it. */
  context?: ContextPolicy;
}

export interface PipelineDrafter extends CallSettings {
  name: string;
  client: ModelClient;
}

export interface PipelineReviewer extends CallSettings {
  name: string;
  /** Opened only when a review or handoff happens: a local review model takes a while to load. */
  open(): Promise<ModelClient>;
  /** A local model: its grammar needs a schema with bounded strings and lists. */
  boundedSchema: boolean;
  /** The context policy for its window, once opened: a handoff runs the agent on it and must compact too. */
  contextFor?(client: ModelClient): Promise<ContextPolicy>;
}

export interface ReviewPipelineOptions {
  task: string;
  /** The drafter's conversation, system prompt first and the task last; it grows as the drafter works. */
  messages: Message[];
  drafter: PipelineDrafter;
  /** Needed when a review or handoff happens; its absence then fails the run, saying so. */
  reviewer?: PipelineReviewer;
  tools: readonly Tool[];
  toolContext: Omit<ToolContext, "signal">;
  currentChange(): Promise<WorkspaceChange>;
  checks: readonly string[];
  checkRunner: CheckRunner | { unavailable: string };
  /** Review every change (`--review`); otherwise only what the escalation policy picks. */
  review: boolean;
  /** Undefined turns escalation off (`--no-escalate`). */
  escalation: EscalationPolicy | undefined;
  /** Most rounds of drafting in all, the first draft included. */
  maxRounds: number;
  maxTurns?: number;
  prices?: Readonly<Record<string, ModelPrice>>;
  /** The session's id (ModelRequest.cacheKey) for the drafter's calls. */
  cacheKey?: string;
  signal?: AbortSignal;
}

const agentOutcome: Partial<Record<AgentStatus, ReviewOutcome>> = { failed: "failed", "max-turns": "failed", interrupted: "interrupted" };

/**
 * The drafter–reviewer loop: the fast model drafts with the agent's tools, the checks run in the
 * sandbox, the escalation policy decides whether a change the user did not ask to review is reviewed
 * (or handed to the review model), the review model returns a structured verdict, and on `revise` the
 * drafter revises from its comments, up to `maxRounds` drafts. Ends with one `report` event.
 */
export async function* runReviewPipeline(options: ReviewPipelineOptions): AsyncGenerator<ReviewEvent> {
  const started = performance.now();
  const ledger = new UsageLedger(options.prices);
  const rounds: ReviewRound[] = [];
  let escalation: EscalationDecision | undefined;
  let reviewer: ModelClient | undefined;
  const reviewerModel = (): PipelineReviewer => {
    if (!options.reviewer) throw new ReviewError("The change needs a review, but no review model is set: configure the `review` alias or pass --review-model NAME.");
    return options.reviewer;
  };
  const openReviewer = async () => (reviewer ??= await reviewerModel().open());
  const finish = (outcome: ReviewOutcome, error?: string): ReviewEvent => {
    const report: ReviewReport = { task: options.task, outcome, rounds, accounting: ledger.accounts(), elapsedMs: Math.round(performance.now() - started), ...(escalation ? { escalation } : {}), ...(error ? { error } : {}) };
    return { type: "report", report };
  };

  /** Runs one model as the agent on `messages`, then the checks; returns the round. */
  async function* workRound(kind: ReviewRound["kind"], model: { name: string; client: ModelClient } & CallSettings, messages: Message[]): AsyncGenerator<ReviewEvent, ReviewRound> {
    const round = rounds.length + 1;
    const role = kind === "handoff" ? "reviewer" : "drafter";
    yield { type: "stage", round, stage: kind, model: model.name };
    let agentStatus: AgentStatus = "failed";
    let agentError: string | undefined;
    const agent = runAgent({
      client: model.client,
      messages,
      tools: options.tools,
      toolContext: options.toolContext,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.maxTurns !== undefined ? { maxTurns: options.maxTurns } : {}),
      ...(model.temperature !== undefined ? { temperature: model.temperature } : {}),
      ...(model.maxTokens !== undefined ? { maxTokens: model.maxTokens } : {}),
      ...(model.context ? { context: model.context } : {}),
      ...(options.cacheKey !== undefined && role === "drafter" ? { cacheKey: options.cacheKey } : {}),
    });
    for await (const event of agent) {
      ledger.observe(model.name, role, event);
      if (event.type === "message") messages.push(event.message);
      if (event.type === "done") {
        agentStatus = event.status;
        agentError = event.error;
      }
      yield { type: "agent", round, role, event };
    }
    const change = await options.currentChange();
    let checks: ReviewRound["checks"] = [];
    if (agentStatus === "completed" && change.files.length > 0 && options.checks.length > 0) {
      yield { type: "stage", round, stage: "checks", model: model.name };
      checks = await runChecks(options.checks, options.checkRunner, options.signal);
      yield { type: "checks", round, results: checks };
    }
    const result: ReviewRound = { round, kind, model: model.name, agentStatus, files: change.files, checks, ...(agentError ? { error: agentError } : {}) };
    rounds.push(result);
    return result;
  }

  async function* review(round: ReviewRound): AsyncGenerator<ReviewEvent, ReviewVerdict | undefined> {
    const model = reviewerModel();
    yield { type: "stage", round: round.round, stage: "review", model: model.name };
    const client = await openReviewer();
    const { diff } = await options.currentChange();
    const verdicts = requestVerdict({
      client,
      subject: { task: options.task, diff, checks: round.checks },
      ...reviewerSettings(model),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let next = await verdicts.next();
    while (!next.done) {
      ledger.observe(model.name, "reviewer", next.value);
      yield { type: "reviewer-stream", round: round.round, event: next.value };
      next = await verdicts.next();
    }
    if (next.value) {
      round.verdict = next.value;
      yield { type: "verdict", round: round.round, verdict: next.value };
    }
    return next.value;
  }

  try {
    let round = yield* workRound("draft", options.drafter, options.messages);
    if (agentOutcome[round.agentStatus]) return yield finish(agentOutcome[round.agentStatus] ?? "failed", round.error);
    if (round.files.length === 0) return yield finish("no-changes");
    if (options.escalation) {
      escalation = decideEscalation(options.escalation, round.files, round.checks);
      if (escalation.escalate) yield { type: "escalation", decision: escalation };
    }
    if (escalation?.escalate && escalation.mode === "handoff") {
      const { diff } = await options.currentChange();
      const system = options.messages.find((message) => message.role === "system");
      const messages: Message[] = [...(system ? [system] : []), { role: "user", content: handoffRequest(escalation.reasons, { task: options.task, diff, checks: round.checks }) }];
      const client = await openReviewer();
      const context = await reviewerModel().contextFor?.(client);
      const handoff = yield* workRound("handoff", { ...reviewerModel(), client, ...(context ? { context } : {}) }, messages);
      const stopped = agentOutcome[handoff.agentStatus];
      if (stopped) return yield finish(stopped, handoff.error);
      const failing = handoff.checks.filter((check) => check.status === "failed").map((check) => check.command);
      if (failing.length > 0) {
        return yield finish("failed", `The review model's handoff still fails its checks (${failing.join(", ")}): the change is not done. See the checks' output above, fix it by hand or run the task again.`);
      }
      return yield finish("handed-off");
    }
    if (!options.review && !escalation?.escalate) return yield finish("not-reviewed");
    for (;;) {
      const verdict = yield* review(round);
      if (!verdict) return yield finish("interrupted");
      if (verdict.verdict === "approve") return yield finish("approved");
      if (verdict.verdict === "reject") return yield finish("rejected");
      if (rounds.length >= options.maxRounds) return yield finish("revise-limit");
      const request: Message = { role: "user", content: revisionRequest(verdict, round.checks) };
      options.messages.push(request);
      yield { type: "agent", round: round.round + 1, role: "drafter", event: { type: "message", message: request, interrupted: false } };
      round = yield* workRound("revision", options.drafter, options.messages);
      if (agentOutcome[round.agentStatus]) return yield finish(agentOutcome[round.agentStatus] ?? "failed", round.error);
    }
  } catch (error) {
    return yield finish(options.signal?.aborted ? "interrupted" : "failed", toSparkError(error).message);
  }
}
