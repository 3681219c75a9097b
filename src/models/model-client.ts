import type { CompletionRequest, Message, ModelRequest, StreamEvent, StreamOptions, Usage } from "../core/index.js";

/**
 * The one interface every client (CLI, gateway, agent) uses to call a model. `stream` never throws:
 * failures arrive as an `error` event followed by `finish{reason:"error"}`, and an abort ends the stream
 * with `finish{reason:"abort"}` after the text generated so far.
 */
export interface ModelClient {
  /** How the model is shown to users, e.g. "cerebras/gpt-oss-120b" or "local:tiny.gguf". */
  readonly displayName: string;
  /** Whether `request.prediction` is used (speculative decoding locally); callers skip building one otherwise. */
  readonly supportsPrediction: boolean;
  stream(request: ModelRequest, options?: StreamOptions): AsyncIterable<StreamEvent>;
  /**
   * A raw completion of `request.prompt`; with a suffix, fill-in-the-middle. The same events, finish and
   * abort contract as `stream`. A model that cannot fill in the middle natively answers through the chat
   * prompt of fill-by-chat.ts (`fillMode` says which); callers use completeOn for clients without it.
   */
  complete?(request: CompletionRequest, options?: StreamOptions): AsyncIterable<StreamEvent>;
  /** How the next complete() with a suffix fills in the middle: "fim" natively, "chat" through a chat prompt. */
  fillMode?(): Promise<"fim" | "chat">;
  /** Tokens the model attends to (prompt and answer), where the model itself knows (a loaded GGUF). */
  contextWindow?(): Promise<number>;
  /** The request's prompt tokens counted with the model's own tokenizer and chat template, where it has them. */
  countPromptTokens?(request: ModelRequest): Promise<number>;
  /**
   * Evaluates the request's prompt (its messages, without the turn the model would add) into the engine's
   * cache without generating, so the next call that extends it evaluates only its new tokens. Only clients
   * with a cache behind them have it (the local engine; a Responses WebSocket, as `generate: false`, a no-op
   * where the socket is refused); `usage` counts the prompt and what was cached.
   */
  prewarm?(request: ModelRequest, options?: StreamOptions): Promise<{ usage: Usage }>;
  /**
   * Queues the user's input into the answer streaming now (the Responses WebSocket's `response.steer`).
   * Resolves true when the server accepted it: the running stream then yields `steered` with `input` and
   * goes on with the answer to it. False when it cannot be steered (no socket, nothing running, a tool call
   * already made, the server refused): the caller interrupts and sends the input as a new call instead.
   */
  steer?(input: Message[]): Promise<boolean>;
  /**
   * Evaluates what complete(request) would read, up to its last token, into the engine's cache without
   * generating, so that call (or one for a cursor a little further on) evaluates only what is new. Only
   * engines with a cache of their own have it; `usage` counts the tokens and those already cached.
   */
  warmCompletion?(request: CompletionRequest, options?: StreamOptions): Promise<{ usage: Usage }>;
  /** Releases what the client holds (a loaded model, sockets). */
  close(): Promise<void>;
}
