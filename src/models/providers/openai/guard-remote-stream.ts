import { emptyUsage, type FinishReason, type RateLimitState, type StreamEvent, type Usage } from "../../../core/index.js";
import { CallMeter } from "../../../speed/index.js";
import { mapOpenAIError, type RemoteErrorContext } from "./map-openai-error.js";

/** What a remote stream accumulates while it runs; the guard turns it into the closing events. */
export interface RemoteCallState {
  meter: CallMeter;
  usage: Usage;
  /** Content chunks seen; the output token estimate when the server reports no usage (an abort). */
  outputChunks: number;
  reason: FinishReason;
  rateLimit?: RateLimitState;
}

/**
 * Runs a provider's event producer and always ends with usage, metrics and one finish event: an abort
 * keeps what was generated (`finish{reason:"abort"}`), any failure becomes an `error` event.
 */
export async function* guardRemoteStream(
  run: (state: RemoteCallState) => AsyncIterable<StreamEvent>,
  context: RemoteErrorContext,
  signal: AbortSignal | undefined,
): AsyncGenerator<StreamEvent> {
  const state: RemoteCallState = { meter: new CallMeter(), usage: emptyUsage(), outputChunks: 0, reason: "stop" };
  try {
    yield* run(state);
  } catch (error) {
    if (!signal?.aborted) {
      yield { type: "error", error: mapOpenAIError(error, context).toJSON() };
      state.reason = "error";
    }
  }
  // The SDK may end an aborted stream quietly instead of throwing.
  if (signal?.aborted) state.reason = "abort";
  if (state.usage.outputTokens === 0) state.usage.outputTokens = state.outputChunks;
  yield { type: "usage", usage: state.usage };
  const metrics = state.meter.finish({
    outputTokens: state.usage.outputTokens,
    promptTokensEvaluated: null,
    promptTokensReused: state.usage.cachedInputTokens,
  });
  yield { type: "metrics", metrics: state.rateLimit ? { ...metrics, rateLimit: state.rateLimit } : metrics };
  yield { type: "finish", reason: state.reason };
}
