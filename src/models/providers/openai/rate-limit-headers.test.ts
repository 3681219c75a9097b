import { describe, expect, it } from "vitest";
import { rateLimitFromHeaders } from "./rate-limit-headers.js";

describe("rateLimitFromHeaders", () => {
  it("reads the quota and the Spark gateway's bucket (model family)", () => {
    const headers = new Headers({ "x-ratelimit-remaining-tokens": "900", "x-ratelimit-limit-requests": "60", "x-spark-family": "spark" });
    expect(rateLimitFromHeaders(headers)).toEqual({ remainingTokens: 900, limitRequests: 60, family: "spark" });
    expect(rateLimitFromHeaders(new Headers())).toBeUndefined();
  });
});
