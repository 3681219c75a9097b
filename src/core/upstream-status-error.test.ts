import { describe, expect, it } from "vitest";
import { upstreamStatusError, type UpstreamErrorContext } from "./upstream-status-error.js";

const user: UpstreamErrorContext = { where: "http://x/v1 (model m)", keyAdvice: "Check the key in $KEY", showKeyDetail: true, notFoundAdvice: "Check the model name." };
const gatewayClient: UpstreamErrorContext = { where: "The upstream http://x/v1 (model m)", keyAdvice: "The gateway's operator must fix $KEY", showKeyDetail: false };

describe("upstreamStatusError", () => {
  it("maps each status to one code and status, the same for every caller", () => {
    const cases: [number, string, number][] = [
      [401, "provider_auth", 502],
      [403, "provider_auth", 502],
      [429, "provider_rate_limited", 429],
      [404, "provider_bad_request", 404],
      [413, "provider_bad_request", 413],
      [422, "provider_bad_request", 400],
      [500, "provider_error", 502],
      [503, "provider_error", 502],
    ];
    for (const [status, code, answer] of cases) {
      for (const context of [user, gatewayClient]) expect(upstreamStatusError(status, "why", context), String(status)).toMatchObject({ code, status: answer });
    }
  });

  it("says what to do about a refused key, and shows the server's words only to the key's owner", () => {
    const own = upstreamStatusError(401, "Incorrect API key sk-ab***", user);
    expect(own.message).toBe("http://x/v1 (model m) rejected the API key (401: Incorrect API key sk-ab***). Check the key in $KEY.");
    const theirs = upstreamStatusError(401, "Incorrect API key sk-ab***", gatewayClient);
    expect(theirs.message).not.toContain("sk-ab");
    expect(theirs.message).toContain("The gateway's operator must fix $KEY.");
  });

  it("marks rate limits and server failures as worth retrying, a refused request not", () => {
    expect(upstreamStatusError(429, "slow down", user).isRetryable).toBe(true);
    expect(upstreamStatusError(500, "oops", user).isRetryable).toBe(true);
    expect(upstreamStatusError(400, "bad", user).isRetryable).toBe(false);
  });

  it("gives advice on an unknown model only where the reader can act on it", () => {
    expect(upstreamStatusError(404, "no such model", user).message).toMatch(/\(404: no such model\)\. Check the model name\.$/);
    expect(upstreamStatusError(404, "no such model", gatewayClient).message).toMatch(/\(404: no such model\)\.$/);
  });
});
