import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * node-llama-cpp 3.21.1 never fills `validatedTokens` in LlamaContext._speculativeEvaluate, so at most one
 * draft token per batch is accepted and speculation makes decoding slower. scripts/patch-node-llama-cpp.mjs
 * (Spark's postinstall) applies the one-line fix; this fails when the installed copy lacks it.
 */
describe("node-llama-cpp speculative decoding fix", () => {
  it("is applied to the installed node-llama-cpp", () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve("node-llama-cpp");
    const source = readFileSync(join(dirname(entry), "evaluator", "LlamaContext", "LlamaContext.js"), "utf8");
    expect(source).toContain("validatedTokens.push([evalTokens[i], resultToken]);");
  });
});
