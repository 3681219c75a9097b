import type { SparkError, ToolCall } from "../core/index.js";
import type { WireEvent } from "./event-sink.js";
import type { GenerationSummary, StreamEncoder } from "./stream-encoder.js";
import { chatFinishReasons, chatToolCall, chatUsage, doneEvent, newId, nowSeconds, streamErrorEvent } from "./wire-format.js";

/** Chat Completions: `chat.completion.chunk` frames, a finish chunk, an optional usage chunk, `[DONE]`. */
export class ChatEncoder implements StreamEncoder {
  private readonly id = newId("chatcmpl-");
  private readonly created = nowSeconds();

  constructor(
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  private chunk(delta: Record<string, unknown>, finishReason: string | null = null): WireEvent {
    const chunk: Record<string, unknown> = {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    // As OpenAI does once include_usage is on: `usage: null` on every chunk but the last.
    if (this.includeUsage) chunk.usage = null;
    return { data: chunk };
  }

  start(): WireEvent[] {
    return [this.chunk({ role: "assistant", content: "" })];
  }

  text(text: string): WireEvent[] {
    return [this.chunk({ content: text })];
  }

  reasoning(text: string): WireEvent[] {
    return [this.chunk({ reasoning_content: text })];
  }

  toolCall(call: ToolCall, index: number): WireEvent[] {
    return [this.chunk({ tool_calls: [{ index, ...chatToolCall(call) }] })];
  }

  end(summary: GenerationSummary): WireEvent[] {
    const events = [this.chunk({}, chatFinishReasons[summary.reason])];
    if (this.includeUsage) {
      events.push({ data: { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model, choices: [], usage: chatUsage(summary.usage) } });
    }
    return [...events, doneEvent];
  }

  error(error: SparkError): WireEvent[] {
    return [streamErrorEvent(error)];
  }

  body(summary: GenerationSummary): Record<string, unknown> {
    const message: Record<string, unknown> = { role: "assistant", content: summary.toolCalls.length && !summary.text ? null : summary.text, refusal: null };
    if (summary.reasoning) message.reasoning_content = summary.reasoning;
    if (summary.toolCalls.length) message.tool_calls = summary.toolCalls.map(chatToolCall);
    return {
      id: this.id,
      object: "chat.completion",
      created: this.created,
      model: this.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: chatFinishReasons[summary.reason] }],
      usage: chatUsage(summary.usage),
    };
  }
}
