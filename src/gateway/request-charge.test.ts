import { describe, expect, it } from "vitest";
import type { BucketState, RateBucketStore, ReserveResult } from "../store/index.js";
import type { GatewayMetrics } from "./gateway-metrics.js";
import { GatewayError } from "./openai-error.js";
import { RequestCharge } from "./request-charge.js";

const principal = { id: "k1", name: "ci", limits: {} };
const metrics = { bucket: () => undefined } as unknown as GatewayMetrics;
const state: BucketState = { key: "k1", family: "gpt", windows: [{ window: "tokens-per-minute", limit: 100, used: 80, remaining: 20, resetMs: 5000 }] };

function refusing(retryAfterMs: number): RateBucketStore {
  const result: ReserveResult = { ok: false, window: "tokens-per-minute", retryAfterMs, state };
  return { reserve: () => Promise.resolve(result) } as unknown as RateBucketStore;
}

async function refusal(retryAfterMs: number, tokens: number): Promise<GatewayError> {
  const error = await RequestCharge.reserve(refusing(retryAfterMs), metrics, principal, "gpt", { tokensPerMinute: 100 }, tokens).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe("RequestCharge refusals", () => {
  it("tells a request that can never fit to ask for less, without Retry-After", async () => {
    const error = await refusal(-1, 500);
    expect(error.status).toBe(429);
    expect(error.type).toBe("tokens");
    expect(error.headers["retry-after"]).toBeUndefined();
    expect(error.headers["retry-after-ms"]).toBeUndefined();
    expect(error.message).toContain("lower max_tokens");
    expect(error.message).toContain("500 tokens");
  });

  it("gives a request that fits later its Retry-After", async () => {
    const error = await refusal(2500, 50);
    expect(error.status).toBe(429);
    expect(error.headers["retry-after"]).toBe("3");
    expect(error.headers["retry-after-ms"]).toBe("2500");
  });
});
