import type { SparkErrorCode } from "./errors.js";
import type { Message, ToolCall } from "./messages.js";
import type { Metrics, Usage } from "./usage.js";

export type FinishReason = "stop" | "length" | "tool-calls" | "abort" | "error";

/**
 * What a model call yields, in order: deltas and tool calls as they arrive, then `usage` and `metrics`,
 * then exactly one `finish`. An `error` event is always followed by `finish{reason:"error"}`.
 * `steered` (only after the caller's ModelClient.steer was accepted): the answer so far ended at a safe
 * boundary, the server took `input` (the user's redirect) into the conversation after it, and what follows
 * is a new answer to it, in the same stream.
 */
export type StreamEvent =
  | { type: "text-delta"; text: string }
  | { type: "reasoning-delta"; text: string }
  | { type: "tool-call"; toolCall: ToolCall }
  | { type: "steered"; input: Message[] }
  | { type: "usage"; usage: Usage }
  | { type: "metrics"; metrics: Metrics }
  | { type: "finish"; reason: FinishReason }
  | { type: "error"; error: { code: SparkErrorCode; message: string; status: number } };
