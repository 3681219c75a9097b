/** Token accounting for one model call; prediction counts use OpenAI's names for Predicted Outputs. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens served from a cache (KV reuse locally, prompt caching remotely). */
  cachedInputTokens: number;
  acceptedPredictionTokens: number;
  rejectedPredictionTokens: number;
}

/** What a server's rate-limit headers (`x-ratelimit-*`, as OpenAI and Spark's gateway send them) said. */
export interface RateLimitState {
  limitRequests?: number;
  remainingRequests?: number;
  limitTokens?: number;
  remainingTokens?: number;
  /** The rate-limit bucket (model family) a Spark gateway charged the call to (`x-spark-family`). */
  family?: string;
}

/** Speed of one model call, measured the same way for every provider. */
export interface Metrics {
  /** Milliseconds from sending the request to the first generated token. */
  ttftMs: number | null;
  /** Prompt tokens evaluated per second before the first token (local engine only). */
  prefillTokensPerSecond: number | null;
  /** Generated tokens per second after the first token. */
  decodeTokensPerSecond: number | null;
  totalMs: number;
  promptTokensReused: number;
  draftTokensAccepted: number;
  draftTokensRejected: number;
  /** The quota left in the server's rate-limit bucket for this model, when it said. */
  rateLimit?: RateLimitState;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, acceptedPredictionTokens: 0, rejectedPredictionTokens: 0 };
}

/** Adds `part` into `total` (calls that make up one larger one: an agent's task, a steered answer and its successor). */
export function addUsage(total: Usage, part: Usage): Usage {
  total.inputTokens += part.inputTokens;
  total.outputTokens += part.outputTokens;
  total.cachedInputTokens += part.cachedInputTokens;
  total.acceptedPredictionTokens += part.acceptedPredictionTokens;
  total.rejectedPredictionTokens += part.rejectedPredictionTokens;
  return total;
}
