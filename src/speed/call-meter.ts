import type { Metrics } from "../core/index.js";

/**
 * Times one model call: start, first token, end. TTFT and decode speed are computed the same way for
 * every provider so figures are comparable side by side.
 */
export class CallMeter {
  private readonly startedAt: number;
  private firstTokenAt: number | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.startedAt = now();
  }

  markToken(): void {
    this.firstTokenAt ??= this.now();
  }

  get hasFirstToken(): boolean {
    return this.firstTokenAt !== undefined;
  }

  finish(counts: {
    outputTokens: number;
    /** Prompt tokens actually evaluated (not served from cache); null when the provider does not say. */
    promptTokensEvaluated: number | null;
    promptTokensReused?: number;
    draftTokensAccepted?: number;
    draftTokensRejected?: number;
  }): Metrics {
    const endedAt = this.now();
    const first = this.firstTokenAt;
    const ttftMs = first === undefined ? null : first - this.startedAt;
    const decodeMs = first === undefined ? 0 : endedAt - first;
    // The first token's time belongs to prefill, so decode speed counts the tokens after it.
    const decodeTokens = Math.max(0, counts.outputTokens - 1);
    return {
      ttftMs,
      prefillTokensPerSecond:
        ttftMs !== null && ttftMs > 0 && counts.promptTokensEvaluated !== null ? (counts.promptTokensEvaluated / ttftMs) * 1000 : null,
      decodeTokensPerSecond: decodeMs > 0 && decodeTokens > 0 ? (decodeTokens / decodeMs) * 1000 : null,
      totalMs: endedAt - this.startedAt,
      promptTokensReused: counts.promptTokensReused ?? 0,
      draftTokensAccepted: counts.draftTokensAccepted ?? 0,
      draftTokensRejected: counts.draftTokensRejected ?? 0,
    };
  }
}
