import type { FinishReason, SparkError, ToolCall, Usage } from "../core/index.js";
import type { WireEvent } from "./event-sink.js";
import { openAIErrorBody } from "./openai-error.js";

/** OpenAI's JSON shapes for the pieces every route sends: ids, usage objects and finish reasons. */

type Json = Record<string, unknown>;

export function newId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export const chatFinishReasons: Record<FinishReason, string> = {
  stop: "stop",
  length: "length",
  "tool-calls": "tool_calls",
  abort: "stop",
  error: "stop",
};

export function chatUsage(usage: Usage): Json {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
    completion_tokens_details: {
      reasoning_tokens: 0,
      accepted_prediction_tokens: usage.acceptedPredictionTokens,
      rejected_prediction_tokens: usage.rejectedPredictionTokens,
    },
  };
}

export function responsesUsage(usage: Usage): Json {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

export function chatToolCall(call: ToolCall): Json {
  return { id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } };
}

/** One Server-Sent Event frame; `event` names it (the Responses API does), data is one JSON line. */
export function sseFrame(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

/** The end marker of Chat Completions and Completions streams. */
export const doneEvent: WireEvent = { data: "[DONE]" };

/**
 * The error event of a Chat Completions or Completions stream: OpenAI's error body (SDKs throw on it), of
 * type server_error whatever the cause, since the stream's status was 200 already.
 */
export function streamErrorEvent(error: SparkError): WireEvent {
  const body = openAIErrorBody(error);
  return { data: { error: { ...body.error, type: "server_error" } } };
}
