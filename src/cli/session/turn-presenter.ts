import type { AgentEvent, AgentStatus } from "../../agent/index.js";
import type { ToolCall } from "../../core/index.js";
import { paint } from "./ansi-style.js";
import type { Conversation } from "./conversation.js";
import type { LiveMeter } from "./live-meter.js";
import { describeToolCall, toolCallLines, toolResultLines } from "./tool-lines.js";
import type { SessionState, ViewStore } from "./view-store.js";

/**
 * What showing an agent's events needs of the session: the screen, the meter and the conversation its
 * messages join (a handoff's agent works in a conversation of its own: it passes one that keeps nothing).
 */
export interface PresenterContext {
  view: ViewStore;
  meter: LiveMeter;
  conversation: Pick<Conversation, "add" | "replaceWith">;
  setState(state: SessionState): void;
  /** Called when the model stream of an interrupted call has ended (the benchmark times interrupts by it). */
  onStopped(): void;
  /** How full the window is before each model call, 0 to 1 (the status line shows it). */
  onContextFill?(fill: number): void;
  /** A redirect steered into the running answer: it joins the conversation as the user's message. */
  addSteered?(input: string): void;
}

const tokens = (count: number) => count.toLocaleString("en-US");

export function compactedLines(tokensBefore: number, tokensAfter: number): string[] {
  return [paint.dim(`── context compacted: ${tokens(tokensBefore)} → ${tokens(tokensAfter)} prompt tokens; older turns summarised ──`)];
}

export const interruptedLine = `${paint.yellow("⏹ interrupted")}${paint.dim(" · the partial answer is kept")}`;

export const steeredLine = `${paint.yellow("↪ redirected")}${paint.dim(" · the partial answer is kept; the model continues from it with your message")}`;

export function userLines(text: string): string[] {
  const [first = "", ...rest] = text.split("\n");
  return ["", `${paint.bold(paint.cyan("›"))} ${paint.bold(first)}`, ...rest.map((line) => `  ${paint.bold(line)}`), ""];
}

export function errorLines(message: string): string[] {
  return [paint.red(`✗ ${message}`)];
}

const YIELD_EVERY_MS = 4;

/**
 * Maps one agent run's events onto the screen (deltas to the batched view, tool calls and results as
 * lines, an interrupted answer marked) and into the conversation (and so the saved session). A turn uses
 * one; so does each drafting round of /review, so a revision looks and is saved like a turn.
 */
export class TurnPresenter {
  status: AgentStatus = "failed";
  /** A call failed because the conversation does not fit the model's window. */
  overflow = false;
  private readonly calls = new Map<string, ToolCall>();
  private readonly pending: ToolCall[] = [];
  private stopped = false;
  // Between a `steered` event and its user message: the cut answer is the steer's, not an interrupt.
  private steering = false;
  private lastYield = performance.now();

  constructor(
    private readonly context: PresenterContext,
    private readonly signal: AbortSignal,
  ) {}

  async present(event: AgentEvent): Promise<void> {
    // Buffered stream data is consumed in microtasks, which starve timers and input: let the event loop
    // turn every few milliseconds, so frames are drawn on time and Esc is read at once during a burst.
    if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      this.lastYield = performance.now();
    }
    const { view, meter } = this.context;
    switch (event.type) {
      case "text-delta":
        view.appendText(event.text);
        meter.token();
        if (!this.signal.aborted) this.context.setState("streaming");
        break;
      case "reasoning-delta":
        meter.token();
        if (!this.signal.aborted) view.set({ activity: "thinking…" });
        break;
      case "tool-call":
        this.calls.set(event.toolCall.id, event.toolCall);
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
        if (event.error.code === "context_overflow") this.overflow = true;
        break;
      case "steered":
        this.steering = true;
        view.endText();
        view.print([steeredLine]);
        break;
      case "message":
        this.message(event);
        break;
      case "tool-result":
        this.pending.shift();
        view.print(toolResultLines(this.calls.get(event.callId), event.ok, event.output));
        view.set({ activity: this.pending[0] ? describeToolCall(this.pending[0]) : undefined });
        break;
      case "context":
        this.context.onContextFill?.(event.usedTokens / event.windowTokens);
        break;
      case "compacted":
        this.context.conversation.replaceWith(event.messages);
        view.print(compactedLines(event.tokensBefore, event.tokensAfter));
        break;
      case "done":
        this.done(event.status, event.error);
        break;
    }
  }

  private message(event: Extract<AgentEvent, { type: "message" }>): void {
    const { view, meter, conversation } = this.context;
    if (event.message.role === "user") {
      // The user's redirect, steered into the answer: saved and shown as a message of its own.
      this.steering = false;
      this.context.addSteered?.(event.message.content);
      view.print(userLines(event.message.content));
      if (!this.signal.aborted) this.context.setState("waiting");
      return;
    }
    conversation.add(event.message, event.interrupted);
    if (event.message.role === "assistant") {
      view.endText();
      // A steered answer's part was marked by its `steered` event.
      if (event.interrupted && !this.steering) {
        this.stopped = true;
        this.context.onStopped();
        view.print([interruptedLine]);
      } else if (event.message.toolCalls?.length) {
        this.pending.push(...event.message.toolCalls);
        this.context.setState("tool");
        view.set({ activity: describeToolCall(event.message.toolCalls[0] as ToolCall) });
      }
    } else if (event.message.role === "tool" && this.pending.length === 0 && !this.signal.aborted) {
      // The last tool answered: the next model call starts now.
      meter.startCall();
      this.context.setState("waiting");
    }
  }

  private done(status: AgentStatus, error: string | undefined): void {
    this.status = status;
    // Interrupted while a tool ran: the answer was complete, the tool was cancelled.
    if (status === "interrupted" && !this.stopped) {
      this.context.onStopped();
      this.context.view.print([interruptedLine]);
    }
    if (status === "max-turns") this.context.view.print(errorLines(error ?? "the task was not finished"));
  }
}
