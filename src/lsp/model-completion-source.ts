import type { StreamEvent } from "../core/index.js";
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
    const request = {
      prompt: fimPrefix(context),
      suffix: context.suffix,
      maxTokens: call.maxTokens,
      // Greedy unless asked otherwise: the same text gets the same suggestion.
      temperature: call.temperature ?? 0,
    };
    return completeOn(this.client, request, { signal: call.signal });
  }
}
