import { streamChat, type ChatCall, type ChatMessage, type ChatStreamEvent } from "./chat-stream.js";
import type { GatewayClient } from "./gateway-client.js";
import { STEERED, type ResponsesSocket } from "./responses-socket.js";
import { SocketAnswer } from "./socket-answer.js";

/** Where the page's answers come from, and how a redirect reaches an answer that still streams. */
export interface ChatTransport {
  /** Streams one answer; ends with `finish` ("abort" when stopped, keeping what came). */
  stream(call: ChatCall, signal: AbortSignal): AsyncIterable<ChatStreamEvent>;
  /**
   * Queues `text` into the answer streaming now (`response.steer`): true when the gateway took it (the
   * stream then yields `steered` and the successor's answer); false when it cannot, and the caller stops
   * the answer and sends the text as a new turn.
   */
  steer(text: string): Promise<boolean>;
}

/** The last answer on the socket: the conversation the gateway holds under its id, as the page saw it. */
interface Chain {
  id: string;
  messages: string[];
  model: string;
  generation: number;
}

const asItem = (message: ChatMessage) => ({ type: "message", role: message.role, content: message.content });

/**
 * The page's turns over the gateway's Responses WebSocket when it offers one, else (refused, dropped,
 * backing off) over HTTP as before. A turn that continues the last answer on the same socket sends only
 * the new messages with `previous_response_id`; any other sends the whole conversation.
 */
export class SocketChat implements ChatTransport {
  private chain: Chain | undefined;
  private redirect: string | undefined;

  constructor(private readonly client: GatewayClient, private readonly socket: ResponsesSocket) {}

  async *stream(call: ChatCall, signal: AbortSignal): AsyncIterable<ChatStreamEvent> {
    if (!(await this.socket.open())) return yield* streamChat(this.client, call, signal);
    const messages = call.messages.map((message) => JSON.stringify(message));
    const chain = this.continued(messages, call.model);
    this.chain = undefined;
    for (const incremental of chain ? [true, false] : [false]) {
      const generation = this.socket.generation;
      const create = {
        model: call.model,
        input: (incremental && chain ? call.messages.slice(chain.messages.length) : call.messages).map(asItem),
        store: false,
        prompt_cache_key: call.cacheKey,
        ...(incremental && chain ? { previous_response_id: chain.id } : {}),
      };
      const answer = new SocketAnswer(() => this.takeRedirect());
      for await (const event of this.socket.exchange(create, signal)) {
        // Stopped: the rest is not shown, but a redirect the gateway took stays the user's message.
        if (signal.aborted && event.type !== STEERED) continue;
        yield* answer.read(event);
      }
      if (answer.chainLost && incremental) continue;
      if (answer.closedBeforeStart && !signal.aborted) return yield* streamChat(this.client, call, signal);
      if (answer.refused) throw answer.refused;
      if (signal.aborted) return yield { type: "finish", reason: "abort" };
      if (answer.reason === undefined) yield { type: "finish", reason: "error" };
      this.keep(answer, messages, call.model, generation);
      return;
    }
  }

  /** The chain, when the call's conversation continues it on the socket open now. */
  private continued(messages: string[], model: string): Chain | undefined {
    const chain = this.chain;
    if (!chain || chain.generation !== this.socket.generation || chain.model !== model || chain.messages.length >= messages.length) return undefined;
    return chain.messages.every((message, index) => message === messages[index]) ? chain : undefined;
  }

  /** An answer that ended whole, the gateway's copy equal to the page's, can be continued by the next turn. */
  private keep(answer: SocketAnswer, messages: string[], model: string, generation: number): void {
    if (!answer.responseId || !answer.matches || (answer.reason !== "stop" && answer.reason !== "length")) return;
    const said = [...answer.steps, { role: "assistant", content: answer.text }].map((message) => JSON.stringify(message));
    this.chain = { id: answer.responseId, messages: [...messages, ...said], model, generation };
  }

  private takeRedirect(): string | undefined {
    const text = this.redirect;
    this.redirect = undefined;
    return text;
  }

  async steer(text: string): Promise<boolean> {
    if (this.redirect !== undefined) return false;
    this.redirect = text;
    const accepted = await this.socket.steer(text);
    if (!accepted && this.redirect === text) this.redirect = undefined;
    return accepted;
  }
}
