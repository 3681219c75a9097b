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
  /**
   * The change is already made (the session's /review): the first round is the workspace as it is, its
   * checks run, no drafting; the loop goes on from the first verdict.
   */
  drafted?: boolean;
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

/** Who writes the next round: the drafter (drafts and revisions), or the review model once the task was handed to it. */
interface Worker {
  kind: "revision" | "handoff";
  model: { name: string; client: ModelClient } & CallSettings;
  messages: Message[];
}

/** Escalation so far and `decision` together: once escalated, a change stays escalated; reasons accumulate. */
function mergeEscalation(previous: EscalationDecision | undefined, decision: EscalationDecision): { merged: EscalationDecision; fresh: string[] } {
  const fresh = decision.reasons.filter((reason) => !previous?.reasons.includes(reason));
  return { merged: { escalate: (previous?.escalate ?? false) || decision.escalate, mode: decision.mode, reasons: [...(previous?.reasons ?? []), ...fresh] }, fresh };
}

const failingChecks = (round: ReviewRound) => round.checks.filter((check) => check.status === "failed").map((check) => check.command);

/** The reviewer's verdict on the change as it is after `round`, streamed as events; kept on the round. */
async function* verdictOn(
  round: ReviewRound,
  { options, ledger, model, client }: { options: ReviewPipelineOptions; ledger: UsageLedger; model: PipelineReviewer; client: ModelClient },
): AsyncGenerator<ReviewEvent, ReviewVerdict | undefined> {
  const { diff } = await options.currentChange();
  const verdicts = requestVerdict({ client, subject: { task: options.task, diff, checks: round.checks }, ...reviewerSettings(model), ...(options.signal ? { signal: options.signal } : {}) });
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

/**
 * The drafter–reviewer loop: the fast model drafts with the agent's tools (or the change is already made:
 * `drafted`), the checks run in the sandbox, the escalation policy decides whether a change the user did
 * not ask to review is reviewed (or handed to the review model) — again after every revision, so a
 * revision that touches a security path or breaks the checks escalates even when the draft did not — the
 * review model returns a structured verdict, and on `revise` whoever wrote the change revises it from the
 * comments, up to `maxRounds` rounds. A handed-off change is reviewed too before it is reported done.
 * Ends with one `report` event.
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

  /** Ends a round: the change as it is now, the checks run on it when there is one, and the round recorded. */
  async function* closeRound(kind: ReviewRound["kind"], model: string, agentStatus: AgentStatus, agentError: string | undefined): AsyncGenerator<ReviewEvent, ReviewRound> {
    const round = rounds.length + 1;
    const change = await options.currentChange();
    let checks: ReviewRound["checks"] = [];
    if (agentStatus === "completed" && change.files.length > 0 && options.checks.length > 0) {
      yield { type: "stage", round, stage: "checks", model };
      checks = await runChecks(options.checks, options.checkRunner, options.signal);
      yield { type: "checks", round, results: checks };
    }
    const result: ReviewRound = { round, kind, model, agentStatus, files: change.files, checks, ...(agentError ? { error: agentError } : {}) };
    rounds.push(result);
    return result;
  }

  /** Runs one model as the agent on `messages`, then the checks; returns the round. */
  async function* workRound(kind: ReviewRound["kind"], model: Worker["model"], messages: Message[]): AsyncGenerator<ReviewEvent, ReviewRound> {
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
    return yield* closeRound(kind, model.name, agentStatus, agentError);
  }

  async function* review(round: ReviewRound): AsyncGenerator<ReviewEvent, ReviewVerdict | undefined> {
    const model = reviewerModel();
    yield { type: "stage", round: round.round, stage: "review", model: model.name };
    return yield* verdictOn(round, { options, ledger, model, client: await openReviewer() });
  }

  /** Decides escalation on a drafter's round; says so when it brings new reasons. Returns whether to hand off. */
  function* escalate(round: ReviewRound): Generator<ReviewEvent, boolean> {
    if (!options.escalation) return false;
    const { merged, fresh } = mergeEscalation(escalation, decideEscalation(options.escalation, round.files, round.checks));
    escalation = merged;
    if (fresh.length > 0) yield { type: "escalation", round: round.round, decision: { escalate: true, mode: merged.mode, reasons: fresh } };
    return merged.escalate && merged.mode === "handoff";
  }

  /** The review model takes the task over from the drafter's round: a new conversation with the change so far. */
  async function* handOff(round: ReviewRound): AsyncGenerator<ReviewEvent, { worker: Worker; round: ReviewRound }> {
    const { diff } = await options.currentChange();
    const system = options.messages.find((message) => message.role === "system");
    const messages: Message[] = [...(system ? [system] : []), { role: "user", content: handoffRequest(escalation?.reasons ?? [], { task: options.task, diff, checks: round.checks }) }];
    const client = await openReviewer();
    const context = await reviewerModel().contextFor?.(client);
    const worker: Worker = { kind: "handoff", model: { ...reviewerModel(), client, ...(context ? { context } : {}) }, messages };
    return { worker, round: yield* workRound("handoff", worker.model, messages) };
  }

  /** Why a round ends the run before any verdict: its agent stopped, or a handed-off change fails its checks. */
  function roundStops(worker: Worker, round: ReviewRound): ReviewEvent | undefined {
    const stopped = agentOutcome[round.agentStatus];
    if (stopped) return finish(stopped, round.error);
    const failing = worker.kind === "handoff" ? failingChecks(round) : [];
    if (failing.length > 0) {
      return finish("failed", `The review model's handoff still fails its checks (${failing.join(", ")}): the change is not done. See the checks' output above, fix it by hand or run the task again.`);
    }
    return undefined;
  }

  try {
    let worker: Worker = { kind: "revision", model: options.drafter, messages: options.messages };
    let round = options.drafted ? yield* closeRound("draft", options.drafter.name, "completed", undefined) : yield* workRound("draft", options.drafter, options.messages);
    const stopped = roundStops(worker, round);
    if (stopped) return yield stopped;
    if (round.files.length === 0) return yield finish("no-changes");
    for (;;) {
      if (worker.kind === "revision" && (yield* escalate(round))) {
        ({ worker, round } = yield* handOff(round));
        const handoffStopped = roundStops(worker, round);
        if (handoffStopped) return yield handoffStopped;
      }
      if (!options.review && !escalation?.escalate) return yield finish("not-reviewed");
      const verdict = yield* review(round);
      if (!verdict) return yield finish("interrupted");
      if (verdict.verdict === "approve") return yield finish(worker.kind === "handoff" ? "handed-off" : "approved");
      if (verdict.verdict === "reject") return yield finish("rejected");
      if (rounds.length >= options.maxRounds) return yield finish("revise-limit");
      const request: Message = { role: "user", content: revisionRequest(verdict, round.checks) };
      worker.messages.push(request);
      yield { type: "agent", round: round.round + 1, role: worker.kind === "handoff" ? "reviewer" : "drafter", event: { type: "message", message: request, interrupted: false } };
      round = yield* workRound(worker.kind, worker.model, worker.messages);
      const revisionStopped = roundStops(worker, round);
      if (revisionStopped) return yield revisionStopped;
    }
  } catch (error) {
    return yield finish(options.signal?.aborted ? "interrupted" : "failed", toSparkError(error).message);
  }
}
