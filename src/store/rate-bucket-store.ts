/**
 * Rate-limit buckets: per API key and model family, requests per minute, tokens per minute, and tokens
 * per rolling 5-hour and weekly window. Two implementations pass the same suite: SQLite (one gateway)
 * and Redis (several gateways share buckets).
 *
 * Tokens are reserved when a request starts (prompt + max tokens) and settled to the real count when it
 * ends. Exact under concurrency: parallel reservations never overshoot a limit, a settle never charges
 * twice, and no charge is lost.
 */

/** Undefined means unlimited. */
export interface BucketLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  tokensPer5Hours?: number;
  tokensPerWeek?: number;
}

export type BucketWindow = "requests-per-minute" | "tokens-per-minute" | "tokens-per-5-hours" | "tokens-per-week";

export interface WindowState {
  window: BucketWindow;
  limit: number;
  used: number;
  remaining: number;
  /** Milliseconds until enough of the window's usage has aged out for `remaining` to grow. */
  resetMs: number;
}

export interface BucketState {
  key: string;
  family: string;
  /** Only the windows that have a limit. */
  windows: WindowState[];
}

export interface ReserveRequest {
  /** The API key's id (never the secret). */
  key: string;
  family: string;
  tokens: number;
  limits: BucketLimits;
}

/**
 * A refusal names the most binding window: one the request can never fit first, else the one that frees
 * up last. `retryAfterMs` is the time until enough of that window's oldest charges age out for the
 * request to fit (pending reservations still count at their reserved tokens), or -1 (RETRY_NEVER in
 * rate-bucket-windows.ts) when the request alone exceeds the limit and waiting cannot help.
 */
export type ReserveResult =
  | { ok: true; reservationId: string; state: BucketState }
  | { ok: false; window: BucketWindow; retryAfterMs: number; state: BucketState };

export interface RateBucketStore {
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** Replaces the reservation's tokens with what was really used; settling twice changes nothing. */
  settle(reservationId: string, usedTokens: number): Promise<void>;
  state(key: string, family: string, limits: BucketLimits): Promise<BucketState>;
  /** Every (key, family) pair with usage in the last week. */
  buckets(): Promise<{ key: string; family: string }[]>;
  close(): Promise<void>;
}
