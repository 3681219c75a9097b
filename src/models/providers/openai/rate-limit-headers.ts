import type { RateLimitState } from "../../../core/index.js";

const headerNames = {
  limitRequests: "x-ratelimit-limit-requests",
  remainingRequests: "x-ratelimit-remaining-requests",
  limitTokens: "x-ratelimit-limit-tokens",
  remainingTokens: "x-ratelimit-remaining-tokens",
} as const;

/** Reads OpenAI-style rate-limit headers; undefined when the server sent none. */
export function rateLimitFromHeaders(headers: Headers): RateLimitState | undefined {
  const state: RateLimitState = {};
  const family = headers.get("x-spark-family");
  if (family) state.family = family;
  for (const [field, name] of Object.entries(headerNames) as [keyof typeof headerNames, string][]) {
    const value = Number(headers.get(name) ?? Number.NaN);
    if (Number.isFinite(value)) state[field] = value;
  }
  return Object.keys(state).length > 0 ? state : undefined;
}
