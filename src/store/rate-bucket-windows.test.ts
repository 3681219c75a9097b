import { describe, expect, it } from "vitest";
import { decide, MINUTE_MS, RETRY_NEVER } from "./rate-bucket-windows.js";

describe("decide", () => {
  const notFound = () => undefined;

  it("says never only when the request alone exceeds the limit", () => {
    expect(decide({ tokensPerMinute: 100 }, 101, [0, 0, 0, 0], notFound)).toEqual({ ok: false, windowIndex: 1, retryAfterMs: RETRY_NEVER });
  });

  it("falls back to the time until the window empties when the scan finds no age-out point", () => {
    expect(decide({ tokensPerMinute: 100 }, 50, [0, 80, 0, 0], notFound, () => 1234)).toEqual({ ok: false, windowIndex: 1, retryAfterMs: 1234 });
    expect(decide({ tokensPerMinute: 100 }, 50, [0, 80, 0, 0], notFound)).toEqual({ ok: false, windowIndex: 1, retryAfterMs: MINUTE_MS });
  });

  it("uses the age-out point when there is one", () => {
    expect(decide({ tokensPerMinute: 100 }, 50, [0, 80, 0, 0], () => 42, () => 1234)).toEqual({ ok: false, windowIndex: 1, retryAfterMs: 42 });
  });
});
