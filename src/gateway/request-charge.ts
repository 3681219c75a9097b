import type { BucketLimits, BucketState, RateBucketStore } from "../store/index.js";
import type { Principal } from "./authenticate.js";
import type { GatewayMetrics } from "./gateway-metrics.js";
import { GatewayError } from "./openai-error.js";
import { formatReset, rateLimitHeaders, windowNames } from "./rate-limit-headers.js";

/**
 * One request's claim on its bucket: tokens are reserved before any work starts (prompt estimate plus
 * max tokens) and settled once, to what was really used, when the request ends however it ends.
 *
 * A bucket without any limit (no key limit and no config limit for the family) is not touched at all: there
 * is nothing to refuse and no header to send, and skipping it saves every such request two write
 * transactions. Its use is still recorded in usage_records (`spark usage` shows it as "last 7 days"); only
 * a limit set later does not see the requests made while there was none.
 */
export class RequestCharge {
  private settled = false;

  private constructor(
    private readonly buckets: RateBucketStore,
    private readonly reservationId: string | undefined,
    readonly reserved: number,
    readonly headers: Record<string, string>,
  ) {}

  /** Reserves `tokens` in the principal's bucket for `family`, or throws a 429 naming the bucket. */
  static async reserve(
    buckets: RateBucketStore,
    metrics: GatewayMetrics,
    principal: Principal,
    family: string,
    limits: BucketLimits,
    tokens: number,
  ): Promise<RequestCharge> {
    if (!hasLimit(limits)) return new RequestCharge(buckets, undefined, tokens, rateLimitHeaders({ key: principal.id, family, windows: [] }));
    const result = await buckets.reserve({ key: principal.id, family, tokens, limits });
    metrics.bucket(principal.name, result.state);
    const headers = rateLimitHeaders(result.state);
    if (result.ok) return new RequestCharge(buckets, result.reservationId, tokens, headers);
    throw limitedError(principal, family, tokens, result.window, result.retryAfterMs, result.state, headers);
  }

  /**
   * Charges what was really used (input + output tokens); later calls change nothing. The bucket gauges
   * keep the levels seen at reservation: reading the bucket again here would cost every request a query.
   */
  async settle(usedTokens: number): Promise<void> {
    if (this.settled || this.reservationId === undefined) return;
    this.settled = true;
    await this.buckets.settle(this.reservationId, Math.max(0, Math.round(usedTokens)));
  }
}

function hasLimit(limits: BucketLimits): boolean {
  return limits.requestsPerMinute !== undefined || limits.tokensPerMinute !== undefined || limits.tokensPer5Hours !== undefined || limits.tokensPerWeek !== undefined;
}

/**
 * The 429 for a refused reservation. A request that can never fit (retryAfterMs < 0, RETRY_NEVER: it alone
 * is over a window's limit) stays a 429, as OpenAI answers "request too large" (type `tokens`, code
 * `rate_limit_exceeded`), but carries no Retry-After: waiting does not help, and clients that honour the
 * header would retry forever. The message says to ask for less instead.
 */
function limitedError(
  principal: Principal,
  family: string,
  tokens: number,
  window: keyof typeof windowNames,
  retryAfterMs: number,
  state: BucketState,
  headers: Record<string, string>,
): GatewayError {
  const detail = state.windows.find((candidate) => candidate.window === window);
  const whose = principal.id === "anonymous" ? "this gateway" : `key "${principal.name}"`;
  const type = window === "requests-per-minute" ? "requests" : "tokens";
  if (retryAfterMs < 0) {
    const limit = detail ? ` of ${detail.limit}` : "";
    const message =
      window === "requests-per-minute"
        ? `The ${windowNames[window]} limit${limit} for the "${family}" family of ${whose} admits no request at all. Waiting does not help; the gateway's operator must raise the limit.`
        : `This request needs ${tokens} tokens (prompt estimate + max tokens for each of n choices), more than the ${windowNames[window]} limit${limit} for the "${family}" family of ${whose}. Waiting does not help: lower max_tokens or n, or shorten the prompt.`;
    return new GatewayError(429, message, "rate_limit_exceeded", null, type, headers);
  }
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const at = new Date(Date.now() + retryAfterMs).toISOString();
  const usage = detail ? ` (limit ${detail.limit}, used ${detail.used}, remaining ${detail.remaining}${window === "requests-per-minute" ? "" : `, this request needs ${tokens}`})` : "";
  const message = `Rate limit reached for the "${family}" family of ${whose} on ${windowNames[window]}${usage}. The bucket refills in ${formatReset(retryAfterMs)} (at ${at}); retry after ${seconds} s.`;
  return new GatewayError(429, message, "rate_limit_exceeded", null, type, { ...headers, "retry-after": String(seconds), "retry-after-ms": String(Math.ceil(retryAfterMs)) });
}
