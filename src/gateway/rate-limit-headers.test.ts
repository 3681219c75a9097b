import { describe, expect, it } from "vitest";
import { effectiveLimits, FamilyMatcher } from "./model-families.js";
import { formatReset, rateLimitHeaders } from "./rate-limit-headers.js";

describe("rate-limit headers", () => {
  it("writes resets as OpenAI does", () => {
    expect(formatReset(20)).toBe("20ms");
    expect(formatReset(1000)).toBe("1s");
    expect(formatReset(360_000)).toBe("6m0s");
    expect(formatReset(3_723_000)).toBe("1h2m3s");
  });

  it("names requests and tokens per minute, and the longer windows with a suffix", () => {
    const headers = rateLimitHeaders({
      key: "k",
      family: "spark",
      windows: [
        { window: "requests-per-minute", limit: 60, used: 1, remaining: 59, resetMs: 1000 },
        { window: "tokens-per-minute", limit: 1000, used: 100, remaining: 900, resetMs: 6000 },
        { window: "tokens-per-week", limit: 10, used: 20, remaining: -10, resetMs: 3_600_000 },
      ],
    });
    expect(headers).toMatchObject({
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-remaining-requests": "59",
      "x-ratelimit-reset-requests": "1s",
      "x-ratelimit-limit-tokens": "1000",
      "x-ratelimit-remaining-tokens": "900",
      "x-ratelimit-reset-tokens": "6s",
      "x-ratelimit-remaining-tokens-week": "0",
      "x-spark-family": "spark",
    });
  });

  it("names the windows without a limit instead of giving numbers for them", () => {
    expect(rateLimitHeaders({ key: "k", family: "standard", windows: [] })).toEqual({
      "x-ratelimit-unlimited": "requests-per-minute, tokens-per-minute, tokens-per-5-hours, tokens-per-week",
      "x-spark-family": "standard",
    });
    const requestsOnly = rateLimitHeaders({ key: "k", family: "spark", windows: [{ window: "requests-per-minute", limit: 5, used: 0, remaining: 5, resetMs: 0 }] });
    expect(requestsOnly["x-ratelimit-unlimited"]).toBe("tokens-per-minute, tokens-per-5-hours, tokens-per-week");
    expect(requestsOnly["x-ratelimit-limit-tokens"]).toBeUndefined();
  });
});

describe("model families", () => {
  it("matches any name on the alias chain; the rest is standard", () => {
    const families = new FamilyMatcher({ spark: ["spark", "gpt-5.3-codex-spark", "*-spark"], local: ["local:*"] });
    expect(families.familyOf(["spark", "cerebras/gpt-oss-120b"])).toBe("spark");
    expect(families.familyOf(["fast", "GPT-5.3-Codex-Spark"])).toBe("spark");
    expect(families.familyOf(["coder", "local:/m/tiny.gguf"])).toBe("local");
    expect(families.familyOf(["gpt-5.3-codex"])).toBe("standard");
    expect(families.names).toEqual(["spark", "local", "standard"]);
  });

  it("takes limits field by field: key family, key default, config family, config default", () => {
    const limits = effectiveLimits(
      "spark",
      { "*": { requestsPerMinute: 10, tokensPerMinute: 500 }, spark: { requestsPerMinute: 2 } },
      { "*": { tokens_per_week: 9 }, spark: { tokens_per_minute: 100, tokens_per_5_hours: 50 } },
    );
    expect(limits).toEqual({ requestsPerMinute: 2, tokensPerMinute: 500, tokensPer5Hours: 50, tokensPerWeek: 9 });
  });
});
