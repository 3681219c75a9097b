import { defaultTools, type ApprovalRequest, type ContextPolicy, type Tool } from "../../agent/index.js";
import { formatVerdict, runReviewPipeline, type ReviewEvent, type ReviewReport } from "../../agent/review/index.js";
import { sessionDiff } from "../../edits/index.js";
import type { SparkStores } from "../../store/index.js";
import {
  agentCallSettings,
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
} from "../../runtime/index.js";
import { paint } from "./ansi-style.js";
import type { Conversation } from "./conversation.js";
import { TurnPresenter, type PresenterContext } from "./turn-presenter.js";

/** What /review needs of the session: its screen and conversation, the drafter (the current model) and its tools. */
export interface ReviewSessionContext extends PresenterContext {
  conversation: Conversation;
  model: OpenedModel;
  runtime: ModelRuntime;
  wiring: AgentWiring;
  stores: SparkStores;
  tools?: readonly Tool[];
  contextPolicy?: ContextPolicy;
  ask(request: ApprovalRequest, signal: AbortSignal): Promise<boolean>;
}

/** The reviewer's task: what the user asked for in this session (the newest last), clipped. */
function sessionTask(typed: readonly string[]): string {
  const asks = typed.slice(-10).map((text) => `- ${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}`);
  return ["Review the changes made in this session. The user asked for:", ...asks].join("\n");
}

const stageLines: Partial<Record<Extract<ReviewEvent, { type: "stage" }>["stage"], (model: string) => string>> = {
  revision: (model) => `revising with ${model} (the reviewer's comments sent back)`,
  handoff: (model) => `handed off to ${model}`,
};

function reportLine(report: ReviewReport): string {
  const words: Partial<Record<ReviewReport["outcome"], string>> = { approved: paint.green("approved"), "handed-off": paint.green("approved after the handoff"), rejected: paint.yellow("rejected") };
  const outcome = words[report.outcome] ?? paint.yellow(report.outcome === "revise-limit" ? "still asks for changes after the last round" : report.outcome);
  const rounds = `${report.rounds.length} round${report.rounds.length === 1 ? "" : "s"}`;
  return `Review: ${outcome} · ${rounds}${report.error ? ` · ${report.error}` : ""}`;
}

/** A conversation that keeps nothing: the handoff's agent works apart from the session's conversation. */
const apart: PresenterContext["conversation"] = { add: () => undefined, replaceWith: () => undefined };

/**
 * /review: the same drafter–reviewer loop as `spark exec --review`, on the change this session's patches
 * made: the checks run in the sandbox, the review model gives its verdict, and on `revise` its comments go
 * back to the drafter (the session's model, in this conversation) for another round, shown like a turn;
 * escalation is decided again after each revision. Esc stops it (`signal`); the patches made stay.
 */
export async function reviewSessionChanges(context: ReviewSessionContext, signal: AbortSignal): Promise<void> {
  const { view, conversation, wiring, stores, model } = context;
  const sessionId = conversation.sessionId;
  const change = async () => {
    const diff = await sessionDiff({ workspace: wiring.workspace, store: stores.checkpoints, sessionId: sessionId ?? "" });
    return { diff: diff.text, files: diff.files.map((file) => file.path) };
  };
  const files = sessionId === undefined ? [] : (await change()).files;
  if (sessionId === undefined || files.length === 0) {
    view.print([paint.dim("Nothing to review: this session has changed no files.")]);
    return;
  }
  const loaded = context.runtime.loaded;
  const reviewer = reviewerFor(context.runtime);
  view.print([paint.dim(`Reviewing ${files.length} changed file${files.length === 1 ? "" : "s"} with ${reviewer.name}…`)]);
  const events = runReviewPipeline({
    task: sessionTask(conversation.userTexts()),
    messages: [...conversation.messages],
    drafter: { name: model.resolved.name, client: model.client, ...agentCallSettings(model.resolved.settings), ...(context.contextPolicy ? { context: context.contextPolicy } : {}) },
    reviewer,
    tools: context.tools ?? defaultTools,
    toolContext: agentToolContext(wiring, stores, sessionId, (request) => context.ask(request, signal)),
    currentChange: change,
    checks: await checksFor(loaded, wiring.workspace),
    checkRunner: await checkRunnerFor(loaded, wiring.workspace, wiring.sandbox),
    review: true,
    drafted: true,
    escalation: escalationPolicyFrom(loaded, {}),
    maxRounds: maxRoundsFrom(loaded, undefined),
    prices: pricesFrom(loaded),
    cacheKey: sessionId,
    signal,
  });
  let presenter: TurnPresenter | undefined;
  for await (const event of events) presenter = await show(context, event, presenter, signal);
  view.set({ activity: undefined });
}

/** Shows one event of the loop; returns the presenter of the drafting round under way. */
async function show(context: ReviewSessionContext, event: ReviewEvent, presenter: TurnPresenter | undefined, signal: AbortSignal): Promise<TurnPresenter | undefined> {
  const { view } = context;
  switch (event.type) {
    case "stage": {
      const line = stageLines[event.stage];
      if (!line) {
        view.set({ activity: event.stage === "checks" ? "running the checks…" : `round ${event.round}: reviewing with ${event.model}…` });
        return presenter;
      }
      view.print(["", paint.bold(paint.cyan(`── round ${event.round}: ${line(event.model)} ──`))]);
      context.meter.startCall();
      context.setState("waiting");
      return new TurnPresenter(event.stage === "handoff" ? { ...context, conversation: apart } : context, signal);
    }
    case "agent":
      // The revision request joins the conversation before its round starts: the comments are on screen already.
      if (event.event.type === "message" && event.event.message.role === "user") {
        if (event.role === "drafter") context.conversation.add(event.event.message, false);
      } else await presenter?.present(event.event);
      return presenter;
    case "checks":
      view.print(event.results.map((check) => `  check ${check.command}: ${check.status === "failed" ? paint.red(check.status) : check.status}`));
      return presenter;
    case "escalation":
      view.print([paint.yellow(`Escalated (${event.decision.mode}) after round ${event.round}: ${event.decision.reasons.join("; ")}`)]);
      return presenter;
    case "verdict": {
      const color = event.verdict.verdict === "approve" ? paint.green : paint.yellow;
      view.print(formatVerdict(event.verdict).map((line, index) => (index === 0 ? color(line) : line)));
      return presenter;
    }
    case "report":
      if (event.report.outcome !== "interrupted") view.print([reportLine(event.report)]);
      return presenter;
    default:
      return presenter;
  }
}
