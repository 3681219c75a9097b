import type { Tool } from "../../agent/index.js";
import type { ModelRequest } from "../../core/index.js";
import type { ModelClient } from "../../models/index.js";
import { agentCallSettings, type OpenedModel } from "../../runtime/index.js";
import type { Conversation } from "./conversation.js";

/** What a prewarm would evaluate now: the conversation so far as the next turn will send it, or nothing to do. */
export interface PrewarmTarget {
  client: ModelClient;
  request: ModelRequest;
  /** The conversation it is (its object and length): the same one is prewarmed once. */
  conversation: object;
}

/** The next turn's request without its new message: what runTurn's agent sends, less the message typed now. */
export function prewarmTarget(model: OpenedModel, conversation: Conversation, tools: readonly Tool[]): PrewarmTarget {
  const cacheKey = conversation.sessionId;
  const request: ModelRequest = {
    messages: [...conversation.messages],
    tools: tools.map((tool) => tool.definition),
    ...agentCallSettings(model.resolved.settings),
    ...(cacheKey !== undefined ? { cacheKey } : {}),
  };
  return { client: model.client, request, conversation };
}

/**
 * Prewarms the conversation while the user types: after `idleMs` without a keystroke and with something
 * typed, the next turn's prompt without the new message (instructions, tools, history) goes to the model's
 * cache (ModelClient.prewarm: `generate: false` on a Responses WebSocket, the local engine's own cache), so
 * the reply evaluates only the new message. At most one prewarm runs; `target` says when there is nothing
 * to do (a turn running, a client without prewarm); a conversation is prewarmed once, not at every pause.
 */
export class Prewarmer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly controller = new AbortController();
  private warmed: { client: ModelClient; conversation: object; length: number } | undefined;

  constructor(
    private readonly target: () => PrewarmTarget | undefined,
    private readonly idleMs = 400,
  ) {}

  /** The input box's text changed. */
  typed(text: string): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (text.trim() === "" || this.controller.signal.aborted) return;
    this.timer = setTimeout(() => this.start(), this.idleMs);
    this.timer.unref();
  }

  private start(): void {
    this.timer = undefined;
    if (this.running) return;
    const target = this.target();
    const prewarm = target?.client.prewarm?.bind(target.client);
    if (!target || !prewarm) return;
    const { client, request, conversation } = target;
    const length = request.messages.length;
    const warmed = this.warmed;
    if (warmed?.client === client && warmed.conversation === conversation && warmed.length === length) return;
    this.warmed = { client, conversation, length };
    // A failed prewarm costs the next turn nothing but its speed: the turn reports any real failure itself.
    this.running = prewarm(request, { signal: this.controller.signal })
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => (this.running = undefined));
  }

  /**
   * Resolves when no prewarm runs: a turn waits for it, as its prompt starts with what the prewarm
   * evaluates. An abort of `signal` (Esc on that turn) ends the wait at once; the prewarm goes on.
   */
  async settled(signal?: AbortSignal): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const running = this.running;
    if (running === undefined || signal === undefined) return running;
    if (signal.aborted) return;
    let onAbort = (): void => undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = () => resolve();
      signal.addEventListener("abort", onAbort, { once: true });
    });
    await Promise.race([running, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
  }

  /** The session is closing: no more prewarms, and the running one stops. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.controller.abort(new Error("the session is closing"));
  }
}
