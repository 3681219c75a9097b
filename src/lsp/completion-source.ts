import type { StreamEvent, Usage } from "../core/index.js";
import type { FimContext } from "./fim-context.js";

export interface CompletionCall {
  signal: AbortSignal;
  maxTokens: number;
  /** Unset: the provider's default (greedy on the local engine). */
  temperature?: number;
}

/**
 * Where inline suggestions come from: a model asked to fill in the middle, natively (FIM tokens) or
 * through a chat prompt. Streams the inserted text as `text-delta` events and ends, like every model
 * call, with `usage`, `metrics` and `finish`; an abort ends it with `finish{reason:"abort"}`.
 */
export interface CompletionSource {
  readonly displayName: string;
  /** How the next call will prompt: "fim" with native infill tokens, else "chat". */
  mode(): Promise<"fim" | "chat">;
  complete(context: FimContext, call: CompletionCall): AsyncIterable<StreamEvent>;
  /**
   * Evaluates what complete(context) would read into the model's cache ahead of the call; undefined where
   * the model has no cache of its own. Aborted by `call.signal` within a moment; what was done stays.
   */
  warm(context: FimContext, call: Omit<CompletionCall, "temperature">): Promise<Usage | undefined>;
}
