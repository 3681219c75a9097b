import { describe, expect, it } from "vitest";
import { parseVerdict } from "./parse-verdict.js";
import { UsageLedger } from "./usage-ledger.js";
import { verdictJsonSchema } from "./verdict-schema.js";

const valid = { verdict: "revise", summary: "s", risk: "low", comments: [{ file: "a.ts", line: 3, severity: "minor", comment: "c" }], security: [] };

describe("verdict schema", () => {
  it("is strict for structured outputs, with nullable lines as type arrays and no $schema tag", () => {
    const schema = verdictJsonSchema({ bounded: false });
    expect(schema).not.toHaveProperty("$schema");
    expect(schema).toMatchObject({ type: "object", additionalProperties: false, required: ["verdict", "summary", "risk", "comments", "security"] });
    expect(JSON.stringify(schema)).not.toContain("anyOf");
    expect(JSON.stringify(schema)).not.toContain("maxLength");
    expect(schema).toMatchObject({ properties: { comments: { items: { properties: { line: { type: ["integer", "null"], minimum: 0 } } } } } });
  });

  it("bounds strings and lists for a local grammar, but not enums", () => {
    const schema = verdictJsonSchema({ bounded: true }) as { properties: Record<string, Record<string, unknown>> };
    expect(schema.properties["summary"]).toMatchObject({ type: "string", maxLength: 200 });
    expect(schema.properties["comments"]).toMatchObject({ type: "array", maxItems: 3 });
    expect(schema.properties["verdict"]).not.toHaveProperty("maxLength");
  });
});

describe("parseVerdict", () => {
  it("takes the JSON object out of fences and prose", () => {
    expect(parseVerdict(`Here it is:\n\`\`\`json\n${JSON.stringify(valid)}\n\`\`\``)).toEqual({ ok: true, verdict: valid });
  });

  it("says what is wrong with an answer that does not fit", () => {
    expect(parseVerdict("LGTM")).toMatchObject({ ok: false, problem: expect.stringMatching(/^is not JSON/) });
    expect(parseVerdict(JSON.stringify({ ...valid, verdict: "maybe" }))).toMatchObject({ ok: false, problem: expect.stringContaining("verdict:") });
    expect(parseVerdict(JSON.stringify({ ...valid, extra: 1 }))).toMatchObject({ ok: false });
  });
});

describe("UsageLedger", () => {
  it("adds up tokens, time, cost and gateway buckets per model and role", () => {
    const ledger = new UsageLedger({ fast: { input: 1, output: 2 } });
    const metrics = (totalMs: number, family?: string) => ({
      type: "metrics",
      metrics: { ttftMs: 1, prefillTokensPerSecond: null, decodeTokensPerSecond: null, totalMs, promptTokensReused: 0, draftTokensAccepted: 0, draftTokensRejected: 0, ...(family ? { rateLimit: { family } } : {}) },
    });
    const usage = (inputTokens: number, outputTokens: number) => ({ type: "usage", usage: { inputTokens, outputTokens, cachedInputTokens: 0, acceptedPredictionTokens: 0, rejectedPredictionTokens: 0 } });
    ledger.observe("fast", "drafter", usage(1_000_000, 500));
    ledger.observe("fast", "drafter", metrics(500, "spark"));
    ledger.observe("fast", "drafter", usage(0, 500));
    ledger.observe("fast", "drafter", metrics(500, "spark"));
    ledger.observe("strong", "reviewer", { type: "text-delta" });
    ledger.observe("strong", "reviewer", usage(10, 10));
    ledger.observe("strong", "reviewer", metrics(100));
    expect(ledger.accounts()).toEqual([
      { model: "fast", role: "drafter", calls: 2, ms: 1000, inputTokens: 1_000_000, outputTokens: 1000, tokensPerSecond: 1000, cost: 1.002, buckets: ["spark"] },
      { model: "strong", role: "reviewer", calls: 1, ms: 100, inputTokens: 10, outputTokens: 10, tokensPerSecond: 100, cost: null, buckets: [] },
    ]);
  });
});
