import { SparkError } from "../core/index.js";
import type { BucketLimits, BucketState, BucketWindow, ReserveRequest, WindowState } from "./rate-bucket-store.js";

/**
 * What both rate-bucket stores share: the windows, their spans, input checks, and the rules that turn
 * window usage into a refusal and a BucketState. The SQLite store runs these rules in TypeScript; the
 * Redis store runs the same rules inside its Lua script (rate-bucket-redis-scripts.ts), so the two can
 * only drift together with the contract suite (test/support/rate-bucket-contract.ts) failing.
 *
 * Time: a charge made at `ts` counts in a window of span W while `now < ts + W` (a sliding log, exact to
 * the millisecond). Requests count 1 per reservation; token windows count the reservation's tokens (its
 * reserved estimate until it is settled, then the settled amount, still at the original `ts`).
 */

export const MINUTE_MS = 60_000;
export const FIVE_HOURS_MS = 5 * 60 * MINUTE_MS;
export const WEEK_MS = 7 * 24 * 60 * MINUTE_MS;

/**
 * `retryAfterMs` of a refusal whose request can never fit: the request alone is larger than the window's
 * limit (tokens > limit, or a requests limit of 0). Waiting does not help; the caller must ask for less
 * (lower max_tokens) or raise the limit. The gateway should answer 4xx without `Retry-After`.
 */
export const RETRY_NEVER = -1;

/**
 * How many of a window's oldest charges a store reads at most to find when enough has aged out. Beyond
 * it, retryAfterMs / resetMs are the time until the last charge read ages out: a lower bound, so a
 * client retrying then is told again (only reachable with thousands of tiny charges in one window).
 */
export const MAX_AGE_OUT_SCAN = 10_000;

export interface WindowSpec {
  window: BucketWindow;
  spanMs: number;
  /** Requests count 1 per reservation; tokens count the reservation's tokens. */
  unit: "requests" | "tokens";
  limitOf(limits: BucketLimits): number | undefined;
}

/** In the order every BucketState lists them. */
export const WINDOWS: readonly WindowSpec[] = [
  { window: "requests-per-minute", spanMs: MINUTE_MS, unit: "requests", limitOf: (l) => l.requestsPerMinute },
  { window: "tokens-per-minute", spanMs: MINUTE_MS, unit: "tokens", limitOf: (l) => l.tokensPerMinute },
  { window: "tokens-per-5-hours", spanMs: FIVE_HOURS_MS, unit: "tokens", limitOf: (l) => l.tokensPer5Hours },
  { window: "tokens-per-week", spanMs: WEEK_MS, unit: "tokens", limitOf: (l) => l.tokensPerWeek },
];

/** Throws for input no store can meter exactly: token counts and limits are non-negative safe integers. */
export function checkReserveRequest(request: ReserveRequest): void {
  if (typeof request.key !== "string" || typeof request.family !== "string") {
    throw new SparkError("internal", "A rate-bucket reservation needs a string key id and model family.");
  }
  checkTokens(request.tokens, "reserve");
  checkLimits(request.limits);
}

export function checkLimits(limits: BucketLimits): void {
  for (const spec of WINDOWS) {
    const limit = spec.limitOf(limits);
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
      throw new SparkError("internal", `The rate limit ${spec.window} must be a whole number >= 0 (got ${String(limit)}).`);
    }
  }
}

export function checkTokens(tokens: number, what: "reserve" | "settle"): void {
  if (!(Number.isSafeInteger(tokens) && tokens >= 0)) {
    throw new SparkError("internal", `Cannot ${what} ${String(tokens)} tokens: a token count is a whole number >= 0.`);
  }
}

/**
 * Finds, among the charges still in a window (oldest first), the first one at which the running sum of
 * their weights (1 per request, or tokens) exceeds `threshold`, and returns the milliseconds until that
 * charge ages out. `undefined` when the window's charges never sum above the threshold.
 */
export type AgeOut = (windowIndex: number, threshold: number) => number | undefined;

export type Decision = { ok: true } | { ok: false; windowIndex: number; retryAfterMs: number };

/**
 * Would a reservation of `tokens` fit every limited window, given each window's `used` (same order as
 * WINDOWS)? When several windows refuse, the answer names the most binding one: a window the request can
 * never fit (RETRY_NEVER) first, else the one that frees up last, so retrying after `retryAfterMs` is not
 * refused by another window's older charges. Ties go to the earlier window in WINDOWS order. `untilEmpty`
 * (ms until a window's last charge ages out) is the fallback when `ageOut` finds no point; without it, the span.
 */
export function decide(limits: BucketLimits, tokens: number, used: readonly number[], ageOut: AgeOut, untilEmpty?: (windowIndex: number) => number): Decision {
  let refusal: { windowIndex: number; retryAfterMs: number } | undefined;
  WINDOWS.forEach((spec, index) => {
    const limit = spec.limitOf(limits);
    if (limit === undefined) return;
    const add = spec.unit === "requests" ? 1 : tokens;
    const inWindow = used[index] ?? 0;
    if (inWindow + add <= limit) return;
    // Enough must age out that inWindow - aged + add <= limit, i.e. aged > inWindow + add - limit - 1.
    // The request alone fits, so it fits once the window is empty: a scan that found no age-out point (a
    // scan cut short, or charges it did not see) falls back to that, at the latest a whole span away.
    const retryAfterMs = add > limit ? RETRY_NEVER : (ageOut(index, inWindow + add - limit - 1) ?? untilEmpty?.(index) ?? spec.spanMs);
    if (refusal === undefined || moreBinding(retryAfterMs, refusal.retryAfterMs)) refusal = { windowIndex: index, retryAfterMs };
  });
  return refusal === undefined ? { ok: true } : { ok: false, ...refusal };
}

function moreBinding(candidate: number, current: number): boolean {
  if (current === RETRY_NEVER) return false;
  return candidate === RETRY_NEVER || candidate > current;
}

/**
 * The state of the limited windows. `resetMs` is the time until `remaining` grows: until enough of the
 * oldest charges age out that usage drops below min(used, limit); 0 for an empty window. If usage can
 * never drop far enough (a limit of 0), the time until the window is empty.
 */
export function bucketState(
  key: string,
  family: string,
  limits: BucketLimits,
  used: readonly number[],
  ageOut: AgeOut,
  untilEmpty: (windowIndex: number) => number,
): BucketState {
  const windows: WindowState[] = [];
  WINDOWS.forEach((spec, index) => {
    const limit = spec.limitOf(limits);
    if (limit === undefined) return;
    const inWindow = used[index] ?? 0;
    const resetMs = inWindow === 0 ? 0 : (ageOut(index, Math.max(0, inWindow - limit)) ?? untilEmpty(index));
    windows.push({ window: spec.window, limit, used: inWindow, remaining: Math.max(0, limit - inWindow), resetMs });
  });
  return { key, family, windows };
}

/** The index in WINDOWS of a window name. */
export function windowIndex(window: BucketWindow): number {
  return WINDOWS.findIndex((spec) => spec.window === window);
}
