import type { SparkError } from "../core/index.js";
import type { WireEvent } from "./event-sink.js";
import type { GenerationSummary, StreamEncoder } from "./stream-encoder.js";
import { chatFinishReasons, doneEvent, newId, nowSeconds, streamErrorEvent } from "./wire-format.js";

/** The legacy Completions API (editors' fill-in-the-middle): `text_completion` objects, then `[DONE]`. */
export class CompletionsEncoder implements StreamEncoder {
  private readonly id = newId("cmpl-");
  private readonly created = nowSeconds();

  constructor(
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  private chunk(text: string, finishReason: string | null): WireEvent {
    return {
      data: {
        id: this.id,
        object: "text_completion",
        created: this.created,
        model: this.model,
        choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }],
      },
    };
  }

  start(): WireEvent[] {
    return [];
  }

  text(text: string): WireEvent[] {
    return [this.chunk(text, null)];
  }

  reasoning(): WireEvent[] {
    return [];
  }

  toolCall(): WireEvent[] {
    return [];
  }

  end(summary: GenerationSummary): WireEvent[] {
    const events = [this.chunk("", chatFinishReasons[summary.reason])];
    if (this.includeUsage) {
      events.push({ data: { id: this.id, object: "text_completion", created: this.created, model: this.model, choices: [], usage: this.usage(summary) } });
    }
    return [...events, doneEvent];
  }

  private usage(summary: GenerationSummary): Record<string, number> {
    const { inputTokens, outputTokens } = summary.usage;
    return { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens };
  }

  error(error: SparkError): WireEvent[] {
    return [streamErrorEvent(error)];
  }

  body(summary: GenerationSummary): Record<string, unknown> {
    return {
      id: this.id,
      object: "text_completion",
      created: this.created,
      model: this.model,
      choices: [{ text: summary.text, index: 0, logprobs: null, finish_reason: chatFinishReasons[summary.reason] }],
      usage: this.usage(summary),
    };
  }
}
