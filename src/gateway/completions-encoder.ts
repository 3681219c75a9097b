import type { GenerationSummary, StreamEncoder } from "./stream-encoder.js";
import { chatFinishReasons, newId, nowSeconds, sseFrame } from "./wire-format.js";

/** The legacy Completions API (editors' fill-in-the-middle): `text_completion` objects, then `[DONE]`. */
export class CompletionsEncoder implements StreamEncoder {
  private readonly id = newId("cmpl-");
  private readonly created = nowSeconds();

  constructor(
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  private chunk(text: string, finishReason: string | null): string {
    return sseFrame({
      id: this.id,
      object: "text_completion",
      created: this.created,
      model: this.model,
      choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }],
    });
  }

  start(): string {
    return "";
  }

  text(text: string): string {
    return this.chunk(text, null);
  }

  reasoning(): string {
    return "";
  }

  toolCall(): string {
    return "";
  }

  end(summary: GenerationSummary): string {
    let frames = this.chunk("", chatFinishReasons[summary.reason]);
    if (this.includeUsage) {
      frames += sseFrame({ id: this.id, object: "text_completion", created: this.created, model: this.model, choices: [], usage: this.usage(summary) });
    }
    return `${frames}${sseFrame("[DONE]")}`;
  }

  private usage(summary: GenerationSummary): Record<string, number> {
    const { inputTokens, outputTokens } = summary.usage;
    return { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens };
  }

  error(error: { code: string; message: string }): string {
    return sseFrame({ error: { message: error.message, type: "server_error", param: null, code: error.code } });
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
