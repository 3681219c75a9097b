import { describe, expect, it } from "vitest";
import { errorMessage, ProviderError, SparkError, toSparkError } from "./errors.js";

describe("SparkError as data", () => {
  it("comes back from the JSON of a stream's error event with its code, message and status", () => {
    const original = new ProviderError("provider_auth", "The server rejected the API key. Check the key in $KEY.", { status: 502 });
    const again = SparkError.fromJSON(original.toJSON());
    expect(again).toBeInstanceOf(SparkError);
    expect(again.toJSON()).toEqual({ code: "provider_auth", message: original.message, status: 502 });
  });
});

describe("errorMessage", () => {
  it("is an Error's message, or anything else as text", () => {
    expect(errorMessage(new Error("disk full"))).toBe("disk full");
    expect(errorMessage("plain")).toBe("plain");
    expect(errorMessage(42)).toBe("42");
  });
});

describe("toSparkError", () => {
  it("keeps a SparkError and wraps anything else as internal, with the cause", () => {
    const spark = new SparkError("usage_invalid", "Give a prompt.");
    expect(toSparkError(spark)).toBe(spark);
    const cause = new Error("boom");
    expect(toSparkError(cause)).toMatchObject({ code: "internal", message: "Unexpected error: boom", cause });
  });
});
