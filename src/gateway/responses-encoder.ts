import type { SparkError, ToolCall } from "../core/index.js";
import type { WireEvent } from "./event-sink.js";
import { wireCode } from "./openai-error.js";
import type { DeclaredToolName } from "./responses-tools.js";
import type { GenerationSummary, StreamEncoder } from "./stream-encoder.js";
import { newId, nowSeconds, responsesUsage } from "./wire-format.js";

type Json = Record<string, unknown>;

const outputText = (text: string): Json => ({ type: "output_text", text, annotations: [], logprobs: [] });

/** Why a response was stopped early (a steer, an interrupt over the WebSocket), if it was. */
export type StoppedBy = () => string | undefined;

/**
 * The Responses API: `response.created`, `response.in_progress`, then per output item its `added`, deltas
 * and `done` events, and `response.completed` (or `.incomplete` / `.failed`) with usage. Every event has a
 * `sequence_number` and is named by its type (the `event:` line over SSE), as OpenAI sends them.
 */
export class ResponsesEncoder implements StreamEncoder {
  readonly id = newId("resp_");
  private readonly createdAt = nowSeconds();
  private sequence = 0;
  private readonly items: Json[] = [];
  private message: { id: string; index: number; text: string } | undefined;

  constructor(
    private readonly model: string,
    private readonly request: { instructions?: string | null | undefined; temperature?: number | null | undefined; metadata?: Record<string, string> | null | undefined },
    /** A call's name as the client declared the tool (a flattened namespace tool gets its namespace back). */
    private readonly declaredName: (name: string) => DeclaredToolName = (name) => ({ name }),
    /** A response stopped on purpose ends `incomplete` with this reason instead of `completed`. */
    private readonly stoppedBy: StoppedBy = () => undefined,
  ) {}

  private functionCall(call: ToolCall, status: string, args: string): Json {
    return { id: `fc_${call.id}`, type: "function_call", status, call_id: call.id, ...this.declaredName(call.name), arguments: args };
  }

  private event(type: string, fields: Json): WireEvent {
    return { event: type, data: { type, ...fields, sequence_number: this.sequence++ } };
  }

  private response(status: string, extra: Json = {}): Json {
    return {
      id: this.id,
      object: "response",
      created_at: this.createdAt,
      status,
      model: this.model,
      output: this.items,
      usage: null,
      error: null,
      incomplete_details: null,
      instructions: this.request.instructions ?? null,
      metadata: this.request.metadata ?? {},
      parallel_tool_calls: true,
      temperature: this.request.temperature ?? 1,
      tool_choice: "auto",
      tools: [],
      top_p: 1,
      ...extra,
    };
  }

  start(): WireEvent[] {
    return [this.event("response.created", { response: this.response("in_progress", { output: [] }) }), this.event("response.in_progress", { response: this.response("in_progress", { output: [] }) })];
  }

  text(text: string): WireEvent[] {
    const events: WireEvent[] = [];
    if (!this.message) {
      this.message = { id: newId("msg_"), index: this.items.length, text: "" };
      const item = { id: this.message.id, type: "message", status: "in_progress", role: "assistant", content: [] };
      events.push(this.event("response.output_item.added", { output_index: this.message.index, item }));
      events.push(this.event("response.content_part.added", { item_id: this.message.id, output_index: this.message.index, content_index: 0, part: outputText("") }));
      this.items.push(item);
    }
    this.message.text += text;
    events.push(this.event("response.output_text.delta", { item_id: this.message.id, output_index: this.message.index, content_index: 0, delta: text, logprobs: [] }));
    return events;
  }

  reasoning(): WireEvent[] {
    return [];
  }

  private closeMessage(): WireEvent[] {
    const message = this.message;
    if (!message) return [];
    this.message = undefined;
    const ids = { item_id: message.id, output_index: message.index, content_index: 0 };
    const item = { id: message.id, type: "message", status: "completed", role: "assistant", content: [outputText(message.text)] };
    this.items[message.index] = item;
    return [
      this.event("response.output_text.done", { ...ids, text: message.text, logprobs: [] }),
      this.event("response.content_part.done", { ...ids, part: outputText(message.text) }),
      this.event("response.output_item.done", { output_index: message.index, item }),
    ];
  }

  toolCall(call: ToolCall): WireEvent[] {
    const events = this.closeMessage();
    const index = this.items.length;
    const id = `fc_${call.id}`;
    const done = this.functionCall(call, "completed", call.arguments);
    this.items.push(done);
    events.push(this.event("response.output_item.added", { output_index: index, item: this.functionCall(call, "in_progress", "") }));
    events.push(this.event("response.function_call_arguments.delta", { item_id: id, output_index: index, delta: call.arguments }));
    events.push(this.event("response.function_call_arguments.done", { item_id: id, output_index: index, name: done["name"], arguments: call.arguments }));
    events.push(this.event("response.output_item.done", { output_index: index, item: done }));
    return events;
  }

  private final(summary: GenerationSummary): Json {
    const usage = responsesUsage(summary.usage);
    const stoppedBy = summary.reason === "abort" ? this.stoppedBy() : undefined;
    if (stoppedBy) return this.response("incomplete", { usage, incomplete_details: { reason: stoppedBy } });
    return summary.reason === "length"
      ? this.response("incomplete", { usage, incomplete_details: { reason: "max_output_tokens" } })
      : this.response("completed", { usage });
  }

  end(summary: GenerationSummary): WireEvent[] {
    const events = this.closeMessage();
    const response = this.final(summary);
    return [...events, this.event(response.status === "incomplete" ? "response.incomplete" : "response.completed", { response })];
  }

  error(error: SparkError): WireEvent[] {
    return [...this.closeMessage(), this.event("response.failed", { response: this.response("failed", { error: { code: wireCode(error), message: error.message } }) })];
  }

  body(summary: GenerationSummary): Json {
    this.items.length = 0;
    if (summary.text) this.items.push({ id: newId("msg_"), type: "message", status: "completed", role: "assistant", content: [outputText(summary.text)] });
    for (const call of summary.toolCalls) this.items.push(this.functionCall(call, "completed", call.arguments));
    return this.final(summary);
  }
}
