import type { BucketState, BucketWindow, WindowState } from "../store/index.js";

/** OpenAI writes reset times as Go durations: "20ms", "1s", "6m0s", "1h2m3s". */
export function formatReset(ms: number): string {
  const rounded = Math.max(0, Math.ceil(ms));
  if (rounded < 1000) return `${rounded}ms`;
  let seconds = Math.ceil(rounded / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

const tokenWindows: BucketWindow[] = ["tokens-per-minute", "tokens-per-5-hours", "tokens-per-week"];
const suffixes: Partial<Record<BucketWindow, string>> = { "tokens-per-5-hours": "-5h", "tokens-per-week": "-week" };

/** The token window the plain `x-ratelimit-*-tokens` headers report: per minute, else the tightest. */
function headlineTokens(windows: WindowState[]): WindowState | undefined {
  const perMinute = windows.find((window) => window.window === "tokens-per-minute");
  if (perMinute) return perMinute;
  return windows.filter((window) => tokenWindows.includes(window.window)).sort((a, b) => a.remaining - b.remaining)[0];
}

const allWindows: BucketWindow[] = ["requests-per-minute", ...tokenWindows];

/**
 * `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` as OpenAI names them, plus `-tokens-5h` and
 * `-tokens-week` for the longer windows. A window without a limit has no number to give (clients read
 * these as numbers, so none is invented): `x-ratelimit-unlimited` names such windows instead, so every
 * answer says what limits it, even where nothing does.
 */
export function rateLimitHeaders(state: BucketState): Record<string, string> {
  const headers: Record<string, string> = {};
  const put = (suffix: string, window: WindowState) => {
    headers[`x-ratelimit-limit-${suffix}`] = String(window.limit);
    headers[`x-ratelimit-remaining-${suffix}`] = String(Math.max(0, window.remaining));
    headers[`x-ratelimit-reset-${suffix}`] = formatReset(window.resetMs);
  };
  const requests = state.windows.find((window) => window.window === "requests-per-minute");
  if (requests) put("requests", requests);
  const tokens = headlineTokens(state.windows);
  if (tokens) put("tokens", tokens);
  for (const window of state.windows) {
    const suffix = suffixes[window.window];
    if (suffix) put(`tokens${suffix}`, window);
  }
  const unlimited = allWindows.filter((window) => !state.windows.some((limited) => limited.window === window));
  if (unlimited.length > 0) headers["x-ratelimit-unlimited"] = unlimited.join(", ");
  headers["x-spark-family"] = state.family;
  return headers;
}

export const windowNames: Record<BucketWindow, string> = {
  "requests-per-minute": "requests per minute",
  "tokens-per-minute": "tokens per minute",
  "tokens-per-5-hours": "tokens per 5 hours",
  "tokens-per-week": "tokens per week",
};
