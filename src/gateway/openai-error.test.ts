import { describe, expect, it } from "vitest";
import { ContextOverflowError, SparkError } from "../core/index.js";
import { GatewayError, openAIErrorBody, toGatewayError, wireCode } from "./openai-error.js";

describe("the gateway's errors", () => {
  it("are SparkErrors", () => {
    const error = new GatewayError(404, "No such conversation.", "conversation_not_found");
    expect(error).toBeInstanceOf(SparkError);
    expect(error).toMatchObject({ code: "conversation_not_found", status: 404, name: "GatewayError" });
  });

  it("have one OpenAI-style body, built from any SparkError", () => {
    expect(openAIErrorBody(new GatewayError(400, "Remove 'x'.", "unsupported_parameter", "x"))).toEqual({
      error: { message: "Remove 'x'.", type: "invalid_request_error", param: "x", code: "unsupported_parameter" },
    });
    expect(openAIErrorBody(new ContextOverflowError(9000, 4096, 512, "tiny")).error).toMatchObject({ type: "invalid_request_error", param: null, code: "context_length_exceeded" });
    expect(openAIErrorBody(new SparkError("provider_error", "The upstream failed.", { status: 502 })).error).toMatchObject({ type: "server_error", code: "provider_error" });
  });

  it("answer anything thrown with a 4xx or 5xx status, never another", () => {
    expect(toGatewayError(new SparkError("internal", "odd", { status: 200 })).status).toBe(500);
    expect(toGatewayError(new Error("boom"))).toMatchObject({ status: 500, code: "internal" });
    const own = new GatewayError(429, "Wait.", "rate_limit_exceeded", null, "tokens", { "retry-after": "3" });
    expect(toGatewayError(own)).toBe(own);
  });

  it("keep what the log needs when the client's message hides it", () => {
    const error = new GatewayError(502, "Cannot reach http://10.0.0.5/v1.", "provider_unreachable").withMessage("Cannot reach the upstream.");
    expect(error.message).toBe("Cannot reach the upstream.");
    expect(error.logMessage).toBe("Cannot reach http://10.0.0.5/v1.");
    expect(wireCode(error)).toBe("provider_unreachable");
  });
});
