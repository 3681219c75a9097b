import type { StreamEvent } from "../core/index.js";
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
}
