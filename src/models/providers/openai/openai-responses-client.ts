import type OpenAI from "openai";
import type { ResponseCreateParamsStreaming, ResponseInputItem, ResponseStreamEvent } from "openai/resources/responses/responses";
import { ProviderError, type Message, type ModelRequest, type RateLimitState, type StreamEvent } from "../../../core/index.js";
import type { RemoteCallState } from "./guard-remote-stream.js";
import type { RemoteErrorContext } from "./map-openai-error.js";
import { rateLimitFromHeaders } from "./rate-limit-headers.js";
import { OpenAIClientBase } from "./openai-client-base.js";
import { ResponsesEventReader } from "./responses-events.js";
import type { ResponsesSocket } from "./responses-socket.js";
import { toResponsesInput, toResponsesTools } from "./to-responses-input.js";

/** The last response on the socket: the input items the server holds for it, to send only what follows. */
interface Chain {
  id: string;
  items: string[];
  /** The socket it lives on (ResponsesSocket.generation). */
  generation: number;
}

/** A Spark gateway's `spark.rate_limits` event: the headers HTTP would have carried (strings only). */
function rateLimitOf(headers: unknown): RateLimitState | undefined {
  if (typeof headers !== "object" || headers === null) return undefined;
  const strings = Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === "string" && /^[a-z0-9-]{1,64}$/.test(entry[0]));
  return rateLimitFromHeaders(new Headers(strings));
}

/** How many of `items` the chain holds as their first items, or undefined when it is not their prefix. */
function chainPrefix(chain: Chain | undefined, items: string[], generation: number): number | undefined {
  if (!chain || chain.generation !== generation || chain.items.length > items.length) return undefined;
  return chain.items.every((item, index) => item === items[index]) ? chain.items.length : undefined;
}

/**
 * OpenAI's Responses API, the native API of the Codex models. With a socket (a provider configured with
 * `websocket = true`, or `--server`) each call goes over the Responses WebSocket and sends only the input
 * items that follow the last response, with `previous_response_id`; the full input when the socket is new
 * or the server lost the chain. A server that refuses the upgrade is called over HTTP/SSE.
 */
export class OpenAIResponsesClient extends OpenAIClientBase {
  /** The Responses API has no Predicted Outputs. */
  readonly supportsPrediction = false;
  private chain: Chain | undefined;

  constructor(openai: OpenAI, context: RemoteErrorContext, displayName: string, private readonly socket?: ResponsesSocket) {
    super(openai, context, displayName);
  }

  private body(request: ModelRequest): ResponseCreateParamsStreaming {
    return {
      model: this.context.model,
      input: toResponsesInput(request.messages),
      stream: true,
      store: false,
      ...(request.tools?.length ? { tools: toResponsesTools(request.tools) } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { max_output_tokens: request.maxTokens } : {}),
      ...(request.jsonSchema
        ? { text: { format: { type: "json_schema", name: request.jsonSchema.name, schema: request.jsonSchema.schema, strict: true } } }
        : {}),
    };
  }

  protected async *run(request: ModelRequest, signal: AbortSignal | undefined, state: RemoteCallState): AsyncIterable<StreamEvent> {
    if (this.socket && (await this.socket.open())) return yield* this.runOnSocket(this.socket, request, signal, state);
    const { data: stream, response } = await this.openai.responses.create(this.body(request), signal ? { signal } : {}).withResponse();
    const rateLimit = rateLimitFromHeaders(response.headers);
    if (rateLimit) state.rateLimit = rateLimit;
    const reader = new ResponsesEventReader(this.context.baseUrl, state);
    for await (const event of stream) {
      const out = reader.read(event);
      if (out) yield out;
    }
  }

  private async *runOnSocket(socket: ResponsesSocket, request: ModelRequest, signal: AbortSignal | undefined, state: RemoteCallState): AsyncIterable<StreamEvent> {
    const { stream: _stream, input, ...body } = this.body(request);
    const items = (input as ResponseInputItem[]).map((item) => JSON.stringify(item));
    const held = chainPrefix(this.chain, items, socket.generation);
    const previous = held === undefined ? undefined : this.chain?.id;
    this.chain = undefined;
    for (const incremental of previous === undefined ? [false] : [true, false]) {
      const generation = socket.generation;
      const sent = incremental ? (input as ResponseInputItem[]).slice(held) : input;
      const reader = new ResponsesEventReader(this.context.baseUrl, state);
      for await (const event of socket.exchange({ ...body, input: sent, ...(incremental ? { previous_response_id: previous } : {}) }, signal)) {
        if (event.type === "spark.rate_limits") {
          const rateLimit = rateLimitOf(event["headers"]);
          if (rateLimit) state.rateLimit = rateLimit;
          continue;
        }
        const out = reader.read(event as unknown as ResponseStreamEvent);
        if (out) yield out;
      }
      // The server no longer holds the chain (expired, or another socket): the whole input again.
      if (reader.chainLost && incremental) continue;
      if (reader.chainLost) throw new ProviderError("provider_error", `${this.context.baseUrl} answered previous_response_not_found to a request without one.`, { status: 502 });
      if (reader.responseId && !reader.steered && !signal?.aborted) {
        const said: Message = { role: "assistant", content: reader.text, ...(reader.toolCalls.length ? { toolCalls: reader.toolCalls } : {}) };
        const output = toResponsesInput([said]).map((item) => JSON.stringify(item));
        this.chain = { id: reader.responseId, items: [...items, ...output], generation };
      }
      return;
    }
  }

  /** Queues the user's input into the response running on the socket (`response.steer`); false when none runs. */
  steer(messages: Message[]): boolean {
    return this.socket?.steer(toResponsesInput(messages)) ?? false;
  }

  override async close(): Promise<void> {
    this.socket?.close();
  }
}
