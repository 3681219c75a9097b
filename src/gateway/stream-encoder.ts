import type { FinishReason, SparkError, ToolCall, Usage } from "../core/index.js";
import type { WireEvent } from "./event-sink.js";

/** What a generation produced, for a non-streaming body or the closing frames of a stream. */
export interface GenerationSummary {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  reason: FinishReason;
  usage: Usage;
}

/**
 * Turns a generation into one API's events while streaming, or one JSON body. Each route (Chat
 * Completions, Responses, Completions) has its own encoder; the driver that feeds them is shared, and an
 * EventSink delivers the events (SSE frames, or WebSocket messages).
 */
export interface StreamEncoder {
  /** Events sent as the stream opens (before the first token). */
  start(): WireEvent[];
  text(text: string): WireEvent[];
  reasoning(text: string): WireEvent[];
  toolCall(call: ToolCall, index: number): WireEvent[];
  /** Events after the last token: finish, usage, and the end marker. */
  end(summary: GenerationSummary): WireEvent[];
  /** Events that report a failure after the stream has opened. */
  error(error: SparkError): WireEvent[];
  /** The whole answer as one JSON body (stream: false). */
  body(summary: GenerationSummary): Record<string, unknown>;
}
