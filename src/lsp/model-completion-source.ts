import type { CompletionRequest, StreamEvent, Usage } from "../core/index.js";
import { completeOn, fillModeOf, type ModelClient } from "../models/index.js";
import type { CompletionCall, CompletionSource } from "./completion-source.js";
import { fimPrefix, type FimContext } from "./fim-context.js";

/**
 * Inline suggestions from a model's completion call: native fill-in-the-middle where the model (or its
 * server) has it, else the chat prompt the models layer falls back to; `mode` says which.
 */
export class ModelCompletionSource implements CompletionSource {
  constructor(private readonly client: ModelClient) {}

  get displayName(): string {
    return this.client.displayName;
  }

  mode(): Promise<"fim" | "chat"> {
    return fillModeOf(this.client);
  }

  complete(context: FimContext, call: CompletionCall): AsyncIterable<StreamEvent> {
    // Greedy unless asked otherwise: the same text gets the same suggestion.
    const request = { ...fimRequest(context, call.maxTokens), temperature: call.temperature ?? 0 };
    return completeOn(this.client, request, { signal: call.signal });
  }

  async warm(context: FimContext, call: Omit<CompletionCall, "temperature">): Promise<Usage | undefined> {
    if (!this.client.warmCompletion) return undefined;
    return (await this.client.warmCompletion(fimRequest(context, call.maxTokens), { signal: call.signal })).usage;
  }
}

/** The same request for a call and its warm-up: the limit on the answer decides how the prompt is cut. */
function fimRequest(context: FimContext, maxTokens: number): CompletionRequest {
  return { prompt: fimPrefix(context), suffix: context.suffix, maxTokens };
}
