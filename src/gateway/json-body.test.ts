import { describe, expect, it } from "vitest";
import { thrownBy } from "../../test/support/thrown-by.js";
import { jsonDepthExceeds, MAX_JSON_DEPTH, parseJsonBytes } from "./json-body.js";
import { GatewayError } from "./openai-error.js";

const bytes = (text: string) => new TextEncoder().encode(text);

const failure = (action: () => unknown): GatewayError => thrownBy(GatewayError, action);

describe("parseJsonBytes", () => {
  it("parses ordinary JSON, nested up to the limit", () => {
    expect(parseJsonBytes(bytes('{"a":[1,{"b":"[[[{{{"}]}'))).toEqual({ a: [1, { b: "[[[{{{" }] });
    const deep = "[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH);
    expect(() => parseJsonBytes(bytes(deep))).not.toThrow();
  });

  it("refuses JSON nested 100k deep with a 400 naming the limit, without a stack overflow", () => {
    const error = failure(() => parseJsonBytes(bytes("[".repeat(100_000) + "]".repeat(100_000))));
    expect(error).toMatchObject({ status: 400, code: "json_too_deep" });
    expect(error.message).toContain(String(MAX_JSON_DEPTH));
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    expect(jsonDepthExceeds(bytes(`{"a":"\\"${"[".repeat(500)}"}`), 4)).toBe(false);
    expect(jsonDepthExceeds(bytes("[[[[[]]]]]"), 4)).toBe(true);
  });

  it("says that a body with invalid UTF-8 is not UTF-8", () => {
    const body = Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const error = failure(() => parseJsonBytes(body));
    expect(error).toMatchObject({ status: 400, code: "invalid_encoding" });
    expect(error.message).toContain("not valid UTF-8");
  });

  it("reports malformed and empty JSON as 400s", () => {
    expect(failure(() => parseJsonBytes(bytes("{")))).toMatchObject({ status: 400, code: "invalid_json" });
    expect(failure(() => parseJsonBytes(bytes("  ")))).toMatchObject({ status: 400, code: "invalid_body" });
  });
});
