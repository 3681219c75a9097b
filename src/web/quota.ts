/** What is left of a model family's rate-limit bucket, read from the gateway's x-ratelimit-* headers. */

export interface QuotaWindow {
  name: string;
  remaining: number;
  limit: number;
  reset: string;
}

export interface BucketQuota {
  family: string;
  windows: QuotaWindow[];
}

const WINDOWS: { suffix: string; name: string }[] = [
  { suffix: "requests", name: "requests/min" },
  { suffix: "tokens", name: "tokens/min" },
  { suffix: "tokens-5h", name: "tokens/5h" },
  { suffix: "tokens-week", name: "tokens/week" },
];

export function quotaFromHeaders(headers: Headers): BucketQuota | undefined {
  const family = headers.get("x-spark-family");
  if (!family) return undefined;
  const windows = WINDOWS.flatMap(({ suffix, name }) => {
    const remaining = headers.get(`x-ratelimit-remaining-${suffix}`);
    const limit = headers.get(`x-ratelimit-limit-${suffix}`);
    if (remaining === null || limit === null) return [];
    return [{ name, remaining: Number(remaining), limit: Number(limit), reset: headers.get(`x-ratelimit-reset-${suffix}`) ?? "" }];
  });
  return { family, windows };
}

/** One family as GET /v1/spark/quota gives it. */
export interface FamilyState {
  family: string;
  windows: { window: string; limit: number; remaining: number; resetMs: number }[];
}

const STATE_WINDOWS: Record<string, string> = {
  "requests-per-minute": "requests/min",
  "tokens-per-minute": "tokens/min",
  "tokens-per-5-hours": "tokens/5h",
  "tokens-per-week": "tokens/week",
};

export function quotaFromState(state: FamilyState): BucketQuota {
  return {
    family: state.family,
    windows: state.windows.map((window) => ({ name: STATE_WINDOWS[window.window] ?? window.window, remaining: window.remaining, limit: window.limit, reset: `${Math.ceil(window.resetMs / 1000)}s` })),
  };
}

function compact(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (value >= 10_000) return `${Math.round(value / 1_000)}k`;
  return String(value);
}

export function describeQuota(quota: BucketQuota): string {
  if (quota.windows.length === 0) return `${quota.family}: no limits`;
  return `${quota.family}: ${quota.windows.map((window) => `${compact(window.remaining)}/${compact(window.limit)} ${window.name}`).join(" · ")}`;
}
