import type { FinishReason, SparkError, ToolCall, Usage } from "../core/index.js";
import type { WireEvent } from "./event-sink.js";
import { toGatewayError } from "./openai-error.js";
import type { GenerationSummary, StreamEncoder } from "./stream-encoder.js";
import { anthropicErrorBody } from "./vendor-error.js";
import { newId } from "./wire-format.js";

type Json = Record<string, unknown>;

const stopReasons: Record<FinishReason, string> = {
  stop: "end_turn",
  length: "max_tokens",
  "tool-calls": "tool_use",
  abort: "end_turn",
  error: "end_turn",
};

/** Tool input as an object: the model's JSON text parsed (anything else, which no client could run, is `{}`). */
function inputOf(call: ToolCall): Json {
  try {
    const parsed: unknown = JSON.parse(call.arguments || "{}");
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : {};
  } catch {
    return {};
  }
}

function stopReason(summary: GenerationSummary): string {
  return summary.toolCalls.length > 0 && summary.reason !== "length" ? "tool_use" : stopReasons[summary.reason];
}

function usageOf(usage: Usage): Json {
  return { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, cache_read_input_tokens: usage.cachedInputTokens, cache_creation_input_tokens: 0 };
}

/**
 * Anthropic's Messages stream: `message_start` and a `ping`, then per content block its
 * `content_block_start`, deltas (`text_delta`, `thinking_delta`, `input_json_delta`) and
 * `content_block_stop`, then `message_delta` (stop reason, usage) and `message_stop`; each frame named by
 * an `event:` line. Claude Code needs every one of them: without `message_start` it falls back to a
 * non-streaming request, without `content_block_stop` its answers come out empty.
 */
export class MessagesEncoder implements StreamEncoder {
  private readonly id = newId("msg_");
  private index = -1;
  private open: "text" | "thinking" | undefined;

  constructor(private readonly model: string) {}

  private event(type: string, fields: Json = {}): WireEvent {
    return { event: type, data: { type, ...fields } };
  }

  private closeBlock(): WireEvent[] {
    if (!this.open) return [];
    this.open = undefined;
    return [this.event("content_block_stop", { index: this.index })];
  }

  /** Opens a text or thinking block unless one of that kind is open. */
  private block(kind: "text" | "thinking"): WireEvent[] {
    if (this.open === kind) return [];
    const events = this.closeBlock();
    this.index++;
    this.open = kind;
    const content_block = kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" };
    events.push(this.event("content_block_start", { index: this.index, content_block }));
    return events;
  }

  start(): WireEvent[] {
    const message = { id: this.id, type: "message", role: "assistant", model: this.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return [this.event("message_start", { message }), this.event("ping")];
  }

  text(text: string): WireEvent[] {
    return [...this.block("text"), this.event("content_block_delta", { index: this.index, delta: { type: "text_delta", text } })];
  }

  reasoning(text: string): WireEvent[] {
    return [...this.block("thinking"), this.event("content_block_delta", { index: this.index, delta: { type: "thinking_delta", thinking: text } })];
  }

  toolCall(call: ToolCall): WireEvent[] {
    const events = this.closeBlock();
    this.index++;
    const index = this.index;
    events.push(this.event("content_block_start", { index, content_block: { type: "tool_use", id: call.id, name: call.name, input: {} } }));
    events.push(this.event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(inputOf(call)) } }));
    events.push(this.event("content_block_stop", { index }));
    return events;
  }

  end(summary: GenerationSummary): WireEvent[] {
    const delta = { stop_reason: stopReason(summary), stop_sequence: null };
    return [...this.closeBlock(), this.event("message_delta", { delta, usage: usageOf(summary.usage) }), this.event("message_stop")];
  }

  error(error: SparkError): WireEvent[] {
    return [{ event: "error", data: anthropicErrorBody(toGatewayError(error)) }];
  }

  body(summary: GenerationSummary): Json {
    const content: Json[] = [];
    if (summary.reasoning) content.push({ type: "thinking", thinking: summary.reasoning, signature: "" });
    if (summary.text) content.push({ type: "text", text: summary.text });
    for (const call of summary.toolCalls) content.push({ type: "tool_use", id: call.id, name: call.name, input: inputOf(call) });
    return {
      id: this.id,
      type: "message",
      role: "assistant",
      model: this.model,
      content,
      stop_reason: stopReason(summary),
      stop_sequence: null,
      usage: usageOf(summary.usage),
    };
  }
}
