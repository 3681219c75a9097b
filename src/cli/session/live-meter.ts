import type { Metrics, Usage } from "../../core/index.js";

/**
 * The speed figures of the status line while an answer streams: time to first token since the turn's
 * model call began, and tokens per second over the last second (deltas count as tokens: the local
 * engine sends one per token, remote servers about one). When a call ends its own metrics replace the
 * estimates.
 */

const BUCKET_MS = 100;
const WINDOW_BUCKETS = 10;

export interface SpeedFigures {
  ttftMs: number | undefined;
  tokensPerSecond: number | undefined;
  /** Prompt tokens the last call took from the cache (KV reuse locally): a redirect evaluates only the rest. */
  promptTokensReused: number | undefined;
  /** Tokens used in this session: prompts and outputs of every call. */
  totalTokens: number;
  /** Tokens left in the model's rate-limit bucket, when a gateway reports it. */
  quota: { remainingTokens: number; limitTokens: number | undefined } | undefined;
}

export class LiveMeter {
  private callStart: number | undefined;
  private firstToken: number | undefined;
  private readonly buckets = new Array<number>(WINDOW_BUCKETS).fill(0);
  private bucketAt = 0;
  private final: { ttftMs: number | null; tokensPerSecond: number | null; reused: number } | undefined;
  private total = 0;
  private quota: SpeedFigures["quota"];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** A model call starts (each turn of the agent loop is one). */
  startCall(): void {
    this.callStart = this.now();
    this.firstToken = undefined;
    this.buckets.fill(0);
    this.bucketAt = Math.floor(this.callStart / BUCKET_MS);
  }

  /** A delta arrived. */
  token(count = 1): void {
    const now = this.now();
    this.firstToken ??= now;
    this.rotate(now);
    this.buckets[this.bucketAt % WINDOW_BUCKETS] = (this.buckets[this.bucketAt % WINDOW_BUCKETS] ?? 0) + count;
  }

  usage(usage: Usage): void {
    this.total += usage.inputTokens + usage.outputTokens;
  }

  /** The call's own figures, reported at its end. */
  finishCall(metrics: Metrics): void {
    this.final = { ttftMs: metrics.ttftMs, tokensPerSecond: metrics.decodeTokensPerSecond, reused: metrics.promptTokensReused };
    const remaining = metrics.rateLimit?.remainingTokens;
    if (remaining !== undefined) this.quota = { remainingTokens: remaining, limitTokens: metrics.rateLimit?.limitTokens };
    this.callStart = undefined;
  }

  /** Restarts the session's count (a new conversation). */
  resetTotal(): void {
    this.total = 0;
    this.final = undefined;
  }

  figures(): SpeedFigures {
    const now = this.now();
    if (this.callStart !== undefined) {
      this.rotate(now);
      const ttftMs = this.firstToken === undefined ? undefined : this.firstToken - this.callStart;
      const windowMs = Math.min(WINDOW_BUCKETS * BUCKET_MS, now - (this.firstToken ?? now));
      const tokens = this.buckets.reduce((sum, count) => sum + count, 0);
      const tokensPerSecond = windowMs >= 200 ? (tokens * 1000) / windowMs : undefined;
      return { ttftMs, tokensPerSecond, promptTokensReused: this.final?.reused, totalTokens: this.total, quota: this.quota };
    }
    return {
      ttftMs: this.final?.ttftMs ?? undefined,
      tokensPerSecond: this.final?.tokensPerSecond ?? undefined,
      promptTokensReused: this.final?.reused,
      totalTokens: this.total,
      quota: this.quota,
    };
  }

  private rotate(now: number): void {
    const bucket = Math.floor(now / BUCKET_MS);
    if (bucket - this.bucketAt >= WINDOW_BUCKETS) this.buckets.fill(0);
    else for (let b = this.bucketAt + 1; b <= bucket; b++) this.buckets[b % WINDOW_BUCKETS] = 0;
    this.bucketAt = Math.max(this.bucketAt, bucket);
  }
}
