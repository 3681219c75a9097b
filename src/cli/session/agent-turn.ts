import { defaultTools, runAgent, type AgentStatus, type ApprovalRequest, type ContextPolicy, type Tool } from "../../agent/index.js";
import type { ToolCall } from "../../core/index.js";
import type { SparkStores } from "../../store/index.js";
import { agentCallSettings, agentToolContext, type AgentWiring, type OpenedModel } from "../../runtime/index.js";
import { paint } from "./ansi-style.js";
import type { Conversation } from "./conversation.js";
import type { LiveMeter } from "./live-meter.js";
import { describeToolCall, toolCallLines, toolResultLines } from "./tool-lines.js";
import type { SessionState, ViewStore } from "./view-store.js";

/**
 * One turn of the session: the user's message, then the agent loop (model calls and tools) until it
 * answers, fails or is interrupted. Maps the agent's events onto the screen (deltas to the batched
 * view, tool calls and results as lines, an interrupted answer marked) and into the saved session.
 */

export interface TurnContext {
  view: ViewStore;
  meter: LiveMeter;
  conversation: Conversation;
  model: OpenedModel;
  wiring: AgentWiring;
  stores: SparkStores;
  setState(state: SessionState): void;
  ask(request: ApprovalRequest, signal: AbortSignal): Promise<boolean>;
  /** Called when the model stream of an interrupted call has ended (the benchmark times interrupts by it). */
  onStopped(): void;
  tools?: readonly Tool[];
  /** Keeps the conversation inside the model's window; absent: nothing is counted. */
  contextPolicy?: ContextPolicy;
  /** How full the window is before each model call, 0 to 1 (the status line shows it). */
  onContextFill?(fill: number): void;
  /** A redirect steered into the running answer joined the conversation. */
  onSteered?(input: string): void;
}

const tokens = (count: number) => count.toLocaleString("en-US");

export function compactedLines(tokensBefore: number, tokensAfter: number): string[] {
  return [paint.dim(`── context compacted: ${tokens(tokensBefore)} → ${tokens(tokensAfter)} prompt tokens; older turns summarised ──`)];
}

/** /compact whose summary came out no shorter than the turns it would replace: the conversation stays as it was. */
export function notShrunkLines(tokensBefore: number, tokensAfter: number): string[] {
  return [paint.dim(`Compaction did not shrink the conversation (${tokens(tokensBefore)} → ${tokens(tokensAfter)} prompt tokens): kept it as it was.`)];
}

const YIELD_EVERY_MS = 4;

export const interruptedLine = `${paint.yellow("⏹ interrupted")}${paint.dim(" · the partial answer is kept")}`;

export const steeredLine = `${paint.yellow("↪ redirected")}${paint.dim(" · the partial answer is kept; the model continues from it with your message")}`;

export function userLines(text: string): string[] {
  const [first = "", ...rest] = text.split("\n");
  return ["", `${paint.bold(paint.cyan("›"))} ${paint.bold(first)}`, ...rest.map((line) => `  ${paint.bold(line)}`), ""];
}

export function errorLines(message: string): string[] {
  return [paint.red(`✗ ${message}`)];
}

/** Runs one turn; resolves with how it ended. Never throws for a model or tool failure (they are shown). */
export async function runTurn(context: TurnContext, text: string, signal: AbortSignal): Promise<AgentStatus> {
  const { view, meter, conversation, model } = context;
  const sessionId = conversation.addUser(text, model.client.displayName);
  view.print(userLines(text));
  context.setState("waiting");
  const calls = new Map<string, ToolCall>();
  const pending: ToolCall[] = [];
  let status: AgentStatus = "failed";
  let stopped = false;
  let overflow = false;
  // Between a `steered` event and its user message: the cut answer is the steer's, not an interrupt.
  let steering = false;
  meter.startCall();
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
  let lastYield = performance.now();
  for await (const event of events) {
    // Buffered stream data is consumed in microtasks, which starve timers and input: let the event loop
    // turn every few milliseconds, so frames are drawn on time and Esc is read at once during a burst.
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    switch (event.type) {
      case "text-delta":
        view.appendText(event.text);
        meter.token();
        if (!signal.aborted) context.setState("streaming");
        break;
      case "reasoning-delta":
        meter.token();
        if (!signal.aborted) view.set({ activity: "thinking…" });
        break;
      case "tool-call":
        calls.set(event.toolCall.id, event.toolCall);
        view.print(toolCallLines(event.toolCall));
        break;
      case "usage":
        meter.usage(event.usage);
        break;
      case "metrics":
        meter.finishCall(event.metrics);
        break;
      case "error":
        view.print(errorLines(event.error.message));
        if (event.error.code === "context_overflow") overflow = true;
        break;
      case "steered":
        steering = true;
        view.endText();
        view.print([steeredLine]);
        break;
      case "message":
        if (event.message.role === "user") {
          // The user's redirect, steered into the answer: saved and shown as a message of its own.
          steering = false;
          conversation.addUser(event.message.content, model.client.displayName);
          view.print(userLines(event.message.content));
          context.onSteered?.(event.message.content);
          if (!signal.aborted) context.setState("waiting");
          break;
        }
        conversation.add(event.message, event.interrupted);
        if (event.message.role === "assistant") {
          view.endText();
          // A steered answer's part was marked by its `steered` event.
          if (event.interrupted && !steering) {
            stopped = true;
            context.onStopped();
            view.print([interruptedLine]);
          } else if (!event.interrupted && event.message.toolCalls?.length) {
            pending.push(...event.message.toolCalls);
            context.setState("tool");
            view.set({ activity: describeToolCall(event.message.toolCalls[0] as ToolCall) });
          }
        } else if (event.message.role === "tool" && pending.length === 0 && !signal.aborted) {
          // The last tool answered: the next model call starts now.
          meter.startCall();
          context.setState("waiting");
        }
        break;
      case "tool-result": {
        pending.shift();
        view.print(toolResultLines(calls.get(event.callId), event.ok, event.output));
        const next = pending[0];
        view.set({ activity: next ? describeToolCall(next) : undefined });
        break;
      }
      case "context":
        context.onContextFill?.(event.usedTokens / event.windowTokens);
        break;
      case "compacted":
        conversation.replaceWith(event.messages);
        view.print(compactedLines(event.tokensBefore, event.tokensAfter));
        break;
      case "done":
        status = event.status;
        // Interrupted while a tool ran: the answer was complete, the tool was cancelled.
        if (status === "interrupted" && !stopped) {
          context.onStopped();
          view.print([interruptedLine]);
        }
        if (status === "max-turns") view.print(errorLines(event.error ?? "the task was not finished"));
        break;
    }
  }
  view.set({ activity: undefined });
  if (status === "failed" && overflow && conversation.forgetLastTurn()) {
    view.print([paint.dim("That message was taken out of the conversation (it stays in the saved session), so the next turns and summaries are not blocked by it.")]);
  }
  return status;
}
