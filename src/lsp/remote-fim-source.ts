import OpenAI from "openai";
import type { Completion, CompletionCreateParamsStreaming } from "openai/resources/completions";
import { emptyUsage, type FinishReason, type StreamEvent } from "../core/index.js";
import { mapOpenAIError, type RemoteErrorContext } from "../models/providers/openai/map-openai-error.js";
import { CallMeter } from "../speed/index.js";
import type { CompletionCall, CompletionSource } from "./completion-source.js";
import { fimPrefix, type FimContext } from "./fim-context.js";

const finishReasons: Record<string, FinishReason> = { stop: "stop", length: "length", content_filter: "error" };

export interface RemoteFimOptions {
  /** An SDK client for the server's base URL (key, retries and timeout already set). */
  openai: OpenAI;
  context: RemoteErrorContext;
  displayName: string;
  /** Asked instead, from then on, once the server shows it has no `/v1/completions` with `suffix`. */
  fallback: CompletionSource;
}

/**
 * A 404 (no such route) or 400 (no `suffix`, or a chat-only model) on `/v1/completions` means this
 * server cannot fill in the middle; other failures (auth, rate limits, 5xx) are reported as they are.
 */
function meansNoFim(error: unknown): boolean {
  return error instanceof OpenAI.APIError && (error.status === 404 || error.status === 400);
}

/**
 * Fill-in-the-middle on an OpenAI-compatible server: `POST /v1/completions` with the prefix as `prompt`
 * and the text after the cursor as `suffix` (llama.cpp's server, vLLM, Ollama, ...). Servers without it
 * answer 404 or 400; that call and every later one then go to the chat prompt.
 */
export class RemoteFimSource implements CompletionSource {
  private unsupported = false;

  constructor(private readonly options: RemoteFimOptions) {}

  get displayName(): string {
    return this.options.displayName;
  }

  mode(): Promise<"fim" | "chat"> {
    return Promise.resolve(this.unsupported ? "chat" : "fim");
  }

  complete(context: FimContext, call: CompletionCall): AsyncIterable<StreamEvent> {
    return this.unsupported ? this.options.fallback.complete(context, call) : this.run(context, call);
  }

  private body(context: FimContext, call: CompletionCall): CompletionCreateParamsStreaming {
    return {
      model: this.options.context.model,
      prompt: fimPrefix(context),
      suffix: context.suffix,
      max_tokens: call.maxTokens,
      // Greedy unless asked otherwise, as on the local engine: the same text gets the same suggestion.
      temperature: call.temperature ?? 0,
      stream: true,
    };
  }

  private async *run(context: FimContext, call: CompletionCall): AsyncGenerator<StreamEvent> {
    const { signal } = call;
    const meter = new CallMeter();
    const usage = emptyUsage();
    let chunks = 0;
    let reason: FinishReason = "stop";
    let stream: AsyncIterable<Completion>;
    try {
      stream = await this.options.openai.completions.create(this.body(context, call), { signal });
    } catch (error) {
      if (!signal.aborted && meansNoFim(error)) {
        this.unsupported = true;
        yield* this.options.fallback.complete(context, call);
        return;
      }
      stream = (async function* () {})();
      if (!signal.aborted) {
        yield { type: "error", error: mapOpenAIError(error, this.options.context).toJSON() };
        reason = "error";
      }
    }
    try {
      for await (const chunk of stream) {
        if (chunk.usage) {
          usage.inputTokens = chunk.usage.prompt_tokens;
          usage.outputTokens = chunk.usage.completion_tokens;
          usage.cachedInputTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.text) {
          meter.markToken();
          chunks++;
          yield { type: "text-delta", text: choice.text };
        }
        if (choice.finish_reason) reason = finishReasons[choice.finish_reason] ?? "stop";
      }
    } catch (error) {
      if (!signal.aborted) {
        yield { type: "error", error: mapOpenAIError(error, this.options.context).toJSON() };
        reason = "error";
      }
    }
    // The SDK may end an aborted stream quietly instead of throwing.
    if (signal.aborted) reason = "abort";
    if (usage.outputTokens === 0) usage.outputTokens = chunks;
    yield { type: "usage", usage };
    yield { type: "metrics", metrics: meter.finish({ outputTokens: usage.outputTokens, promptTokensEvaluated: null, promptTokensReused: usage.cachedInputTokens }) };
    yield { type: "finish", reason };
  }
}
