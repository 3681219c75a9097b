import type OpenAI from "openai";
import type { ResponseCreateParamsStreaming, ResponseInputItem, ResponseStreamEvent } from "openai/resources/responses/responses";
import { emptyUsage, ProviderError, SparkError, type Message, type ModelRequest, type RateLimitState, type StreamEvent, type StreamOptions, type Usage } from "../../../core/index.js";
import { guardRemoteStream, type RemoteCallState } from "./guard-remote-stream.js";
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

/** The call running on the socket: what a steer acts on. */
interface SocketCall {
  /** The model called a tool: the answer stops for its output, and a steer would have nothing to cut. */
  toolCalled: boolean;
  /** The input of the steer sent into it, until the stream takes it at the `steered` end. */
  steerInput: Message[] | undefined;
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

/** The accepted steer's input, handed to the stream once. */
function takeSteerInput(call: SocketCall): Message[] {
  const input = call.steerInput ?? [];
  call.steerInput = undefined;
  call.toolCalled = false;
  return input;
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
  private running: SocketCall | undefined;

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
      ...(request.cacheKey ? { prompt_cache_key: request.cacheKey } : {}),
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

  /**
   * One response on the socket (`generate: false` for a prewarm): only the items after the chain it
   * continues, else all of them; the chain then holds what the server keeps: the input, what steers added
   * (each steered answer's part and the steer's input) and the answer.
   */
  private async *runOnSocket(socket: ResponsesSocket, request: ModelRequest, signal: AbortSignal | undefined, state: RemoteCallState, generate = true): AsyncIterable<StreamEvent> {
    const { stream: _stream, input, ...body } = this.body(request);
    const items = (input as ResponseInputItem[]).map((item) => JSON.stringify(item));
    const held = chainPrefix(this.chain, items, socket.generation);
    const previous = held === undefined ? undefined : this.chain?.id;
    this.chain = undefined;
    const call: SocketCall = { toolCalled: false, steerInput: undefined };
    if (generate) this.running = call;
    try {
      for (const incremental of previous === undefined ? [false] : [true, false]) {
        const generation = socket.generation;
        const sent = incremental ? (input as ResponseInputItem[]).slice(held) : input;
        const reader = new ResponsesEventReader(this.context.baseUrl, state, () => takeSteerInput(call));
        const create = { ...body, input: sent, ...(incremental ? { previous_response_id: previous } : {}), ...(generate ? {} : { generate: false }) };
        for await (const event of socket.exchange(create, signal)) {
          if (event.type === "spark.rate_limits") {
            const rateLimit = rateLimitOf(event["headers"]);
            if (rateLimit) state.rateLimit = rateLimit;
            continue;
          }
          const out = reader.read(event as unknown as ResponseStreamEvent);
          if (out?.type === "tool-call") call.toolCalled = true;
          if (out) yield out;
        }
        // The server no longer holds the chain (expired, or another socket): the whole input again.
        if (reader.chainLost && incremental) continue;
        if (reader.chainLost) throw new ProviderError("provider_error", `${this.context.baseUrl} answered previous_response_not_found to a request without one.`, { status: 502 });
        if (reader.responseId && !signal?.aborted) {
          const said: Message = { role: "assistant", content: reader.text, ...(reader.toolCalls.length ? { toolCalls: reader.toolCalls } : {}) };
          const output = toResponsesInput([...reader.steeredItems, said]).map((item) => JSON.stringify(item));
          this.chain = { id: reader.responseId, items: [...items, ...output], generation };
        }
        return;
      }
    } finally {
      if (this.running === call) this.running = undefined;
    }
  }

  /**
   * Queues the user's input into the answer streaming on the socket (`response.steer`): true when the
   * server took it (the stream then yields `steered`). False without a socket, with no answer running,
   * once the answer called a tool (it stops for the tool's output anyway), or when the server refused.
   */
  async steer(messages: Message[]): Promise<boolean> {
    const call = this.running;
    if (!this.socket || !call || call.toolCalled || call.steerInput) return false;
    call.steerInput = messages;
    const accepted = await this.socket.steer(toResponsesInput(messages));
    if (!accepted && call.steerInput === messages) call.steerInput = undefined;
    return accepted;
  }

  /**
   * `generate: false` over the socket: the server evaluates the conversation into its cache (a Spark
   * gateway's local engine), so the next turn, which continues it, sends and evaluates only its new items.
   * Nothing is sent over HTTP, nor when the server already holds the whole conversation.
   */
  async prewarm(request: ModelRequest, options: StreamOptions = {}): Promise<{ usage: Usage }> {
    let usage = emptyUsage();
    const socket = this.socket;
    if (!socket || !(await socket.open())) return { usage };
    const items = toResponsesInput(request.messages).map((item) => JSON.stringify(item));
    if (chainPrefix(this.chain, items, socket.generation) === items.length) return { usage };
    for await (const event of guardRemoteStream((state) => this.runOnSocket(socket, request, options.signal, state, false), this.context, options.signal)) {
      if (event.type === "usage") usage = event.usage;
      if (event.type === "error") throw SparkError.fromJSON(event.error);
    }
    return { usage };
  }

  override async close(): Promise<void> {
    this.socket?.close();
  }
}
