import type { FinishReason, ToolCall, Usage } from "../core/index.js";

/** What a generation produced, for a non-streaming body or the closing frames of a stream. */
export interface GenerationSummary {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  reason: FinishReason;
  usage: Usage;
}

/**
 * Turns a generation into one API's wire format: SSE frames while streaming, or one JSON body. Each route
 * (Chat Completions, Responses, Completions) has its own encoder; the driver that feeds them is shared.
 */
export interface StreamEncoder {
  /** Frames sent as the stream opens (before the first token). */
  start(): string;
  text(text: string): string;
  reasoning(text: string): string;
  toolCall(call: ToolCall, index: number): string;
  /** Frames after the last token: finish, usage, and the end marker. */
  end(summary: GenerationSummary): string;
  /** Frames that report a failure after the stream has opened. */
  error(error: { code: string; message: string }): string;
  /** The whole answer as one JSON body (stream: false). */
  body(summary: GenerationSummary): Record<string, unknown>;
}
