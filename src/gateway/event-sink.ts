import type { GatewayError } from "./openai-error.js";

/**
 * One event of a streamed answer, as the encoders produce it: its JSON (`"[DONE]"`, a string, ends Chat and
 * Completions streams) and, for the Responses API, the event's name. What a response says is decided by
 * the encoders; how it reaches the client is decided by the sink.
 */
export interface WireEvent {
  readonly event?: string;
  readonly data: unknown;
}

/**
 * Where one generation's answer goes: the only way a route talks to its client. The SSE writer
 * (sse-reply-writer.ts) delivers over a hijacked HTTP reply; a WebSocket transport implements the same
 * interface for each response it carries on its socket (each event one JSON text message).
 *
 * Order: `open`, then `send`/`forward` any number of times, then `end` (or `fail`); or one `answer` (a
 * whole JSON body, stream: false); or `fail` before anything, which answers with the error's status.
 * Writes after the client has gone are dropped, never thrown.
 */
export interface EventSink {
  /** Aborted when the client goes away: the generation stops at once and is charged what it produced. */
  readonly gone: AbortSignal;
  /** Whether the stream has opened: from then on a failure can only be told inside the stream. */
  readonly opened: boolean;
  /** Whether anything reached the client (an open stream or a whole answer). */
  readonly sent: boolean;
  /** Opens the stream with the request's headers (charge, rate limits, request id). */
  open(): void;
  /** Sends events in order; resolves when the client can take more (back-pressure) or has gone. */
  send(events: readonly WireEvent[]): Promise<void>;
  /**
   * Passes an upstream's SSE bytes through as they came (frame-aligned where the scanner cut them). A
   * transport that does not speak SSE must parse them into events itself.
   */
  forward(sse: string | Buffer): Promise<void>;
  /** Ends an open stream. Before anything was sent there is nobody to answer: the connection is dropped. */
  end(): void;
  /**
   * Reports a failure. Once open: sends `events` (the API's own error events) and ends. Before: answers
   * with the error's status, its headers and the OpenAI error body.
   */
  fail(error: GatewayError, events: readonly WireEvent[]): Promise<void>;
  /** A whole answer (stream: false): a JSON value, or an upstream's body as it came with its content type. */
  answer(status: number, body: object | Buffer, contentType?: string): void;
}
