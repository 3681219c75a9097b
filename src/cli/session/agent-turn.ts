import { defaultTools, runAgent, type AgentStatus, type ApprovalRequest, type ContextPolicy, type Tool } from "../../agent/index.js";
import type { SparkStores } from "../../store/index.js";
import { agentCallSettings, agentToolContext, type AgentWiring, type OpenedModel } from "../../runtime/index.js";
import { paint } from "./ansi-style.js";
import type { Conversation } from "./conversation.js";
import { TurnPresenter, userLines, type PresenterContext } from "./turn-presenter.js";

export { compactedLines, errorLines, interruptedLine, steeredLine, userLines } from "./turn-presenter.js";

/**
 * One turn of the session: the user's message, then the agent loop (model calls and tools) until it
 * answers, fails or is interrupted; its events go to the screen and the saved session through a
 * TurnPresenter.
 */

export interface TurnContext extends PresenterContext {
  conversation: Conversation;
  model: OpenedModel;
  wiring: AgentWiring;
  stores: SparkStores;
  ask(request: ApprovalRequest, signal: AbortSignal): Promise<boolean>;
  tools?: readonly Tool[];
  /** Keeps the conversation inside the model's window; absent: nothing is counted. */
  contextPolicy?: ContextPolicy;
  /** A redirect steered into the running answer joined the conversation. */
  onSteered?(input: string): void;
}

const tokens = (count: number) => count.toLocaleString("en-US");

/** /compact whose summary came out no shorter than the turns it would replace: the conversation stays as it was. */
export function notShrunkLines(tokensBefore: number, tokensAfter: number): string[] {
  return [paint.dim(`Compaction did not shrink the conversation (${tokens(tokensBefore)} → ${tokens(tokensAfter)} prompt tokens): kept it as it was.`)];
}

/** Runs one turn; resolves with how it ended. Never throws for a model or tool failure (they are shown). */
export async function runTurn(context: TurnContext, text: string, signal: AbortSignal): Promise<AgentStatus> {
  const { view, meter, conversation, model } = context;
  const sessionId = conversation.addUser(text, model.client.displayName);
  view.print(userLines(text));
  context.setState("waiting");
  meter.startCall();
  const presenter = new TurnPresenter(
    {
      ...context,
      addSteered: (input) => {
        conversation.addUser(input, model.client.displayName);
        context.onSteered?.(input);
      },
    },
    signal,
  );
  const events = runAgent({
    client: model.client,
    messages: [...conversation.messages],
    tools: context.tools ?? defaultTools,
    toolContext: agentToolContext(context.wiring, context.stores, sessionId, (request) => context.ask(request, signal)),
    signal,
    ...agentCallSettings(model.resolved.settings),
    ...(context.contextPolicy ? { context: context.contextPolicy } : {}),
    cacheKey: sessionId,
  });
  for await (const event of events) await presenter.present(event);
  view.set({ activity: undefined });
  if (presenter.status === "failed" && presenter.overflow && conversation.forgetLastTurn()) {
    view.print([paint.dim("That message was taken out of the conversation (it stays in the saved session), so the next turns and summaries are not blocked by it.")]);
  }
  return presenter.status;
}
