import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHAIN_TEXT, ensureAltVocabModel, ensureChainModel, ensureTestModel } from "../../../../test/support/tiny-gguf.js";
import type { Message, Metrics, ModelRequest, StreamEvent, Usage } from "../../../core/index.js";
import { LocalModelClient } from "./local-client.js";
import { LocalEngine } from "./local-engine.js";

let modelPath: string;
const engines: LocalEngine[] = [];

beforeAll(async () => {
  modelPath = await ensureTestModel();
});
afterAll(async () => {
  for (const engine of engines) await engine.dispose();
});

function client(options: ConstructorParameters<typeof LocalModelClient>[3] = {}, path: string = modelPath): LocalModelClient {
  const engine = new LocalEngine({ threads: 1, gpu: false, sequences: 2 });
  engines.push(engine);
  return new LocalModelClient(engine, path, "tiny", options);
}

interface Outcome {
  error?: string;
  text: string;
  usage: Usage;
  metrics: Metrics;
  finish: string;
}

async function run(target: LocalModelClient, request: ModelRequest, abortAfterChars?: number): Promise<Outcome> {
  const controller = new AbortController();
  const events: StreamEvent[] = [];
  let text = "";
  for await (const event of target.stream(request, { signal: controller.signal })) {
    events.push(event);
    if (event.type === "text-delta") text += event.text;
    if (abortAfterChars !== undefined && text.length >= abortAfterChars) controller.abort();
  }
  const find = <T extends StreamEvent["type"]>(type: T) => events.find((event) => event.type === type) as Extract<StreamEvent, { type: T }>;
  const error = find("error")?.error.message;
  return { text, usage: find("usage").usage, metrics: find("metrics").metrics, finish: find("finish").reason, ...(error ? { error } : {}) };
}

const ask = (content: string, extra: Partial<ModelRequest> = {}): ModelRequest => ({ messages: [{ role: "user", content }], temperature: 0, maxTokens: 160, ...extra });

describe("speculative decoding in the local engine (tiny model: a mechanism check)", () => {
  it("gives byte-identical greedy output with and without each predictor", async () => {
    const plain = await run(client({ speculation: false }), ask("write code"));
    const lookup = await run(client(), ask("write code"));
    const predicted = await run(client(), ask("write code", { prediction: plain.text }));
    expect(lookup.text).toBe(plain.text);
    expect(predicted.text).toBe(plain.text);
    // The prediction is the output itself, so nearly every drafted token is accepted.
    expect(predicted.usage.acceptedPredictionTokens).toBeGreaterThan(plain.usage.outputTokens * 0.8);
    expect(predicted.metrics.draftTokensAccepted).toBe(predicted.usage.acceptedPredictionTokens);
    expect(plain.metrics.draftTokensAccepted + plain.metrics.draftTokensRejected).toBe(0);
  });

  it("keeps speculating after the output diverges from the prediction", async () => {
    const plain = await run(client({ speculation: false }), ask("diverge"));
    const middle = Math.floor(plain.text.length / 2);
    // The prediction has an extra region the output does not have: speculation must re-synchronise after it.
    const prediction = `${plain.text.slice(0, middle)}\nEXTRA LINE THAT IS NOT IN THE OUTPUT\n${plain.text.slice(middle)}`;
    const predicted = await run(client(), ask("diverge", { prediction }));
    expect(predicted.text).toBe(plain.text);
    expect(predicted.usage.acceptedPredictionTokens).toBeGreaterThan(plain.usage.outputTokens * 0.7);
  });

  it("stops speculating on a useless prediction, with the same output", async () => {
    const plain = await run(client({ speculation: false }), ask("useless"));
    const prediction = "zq".repeat(400);
    const predicted = await run(client(), ask("useless", { prediction }));
    expect(predicted.text).toBe(plain.text);
    expect(predicted.usage.rejectedPredictionTokens).toBeLessThan(80);
  });

  it("keeps only validated tokens when aborted during speculative decoding", async () => {
    const plain = await run(client({ speculation: false }), ask("abort me", { maxTokens: 400 }));
    const aborted = await run(client(), ask("abort me", { maxTokens: 400, prediction: plain.text }), 100);
    expect(aborted.finish).toBe("abort");
    expect(plain.text.startsWith(aborted.text)).toBe(true);
    expect(aborted.text.length).toBeLessThan(plain.text.length);
  });
});

describe("prefix reuse across a pool of sequences", () => {
  const system = { role: "system" as const, content: "You are a careful coding assistant. ".repeat(20) };

  it("sends each conversation to the sequence holding its prefix", async () => {
    const target = client();
    const first: Message[] = [system, { role: "user", content: "conversation A" }];
    const second: Message[] = [{ role: "system", content: "Another assistant entirely. ".repeat(20) }, { role: "user", content: "conversation B" }];
    const a1 = await run(target, { ...ask(""), messages: first, maxTokens: 20 });
    const b1 = await run(target, { ...ask(""), messages: second, maxTokens: 20 });
    expect(b1.usage.cachedInputTokens).toBeLessThan(10);
    const a2 = await run(target, { ...ask(""), messages: [...first, { role: "assistant", content: a1.text }, { role: "user", content: "go on" }], maxTokens: 20 });
    // A's follow-up finds A's sequence even though B ran in between.
    expect(a2.usage.cachedInputTokens).toBeGreaterThanOrEqual(a1.usage.inputTokens);
    expect(a2.metrics.promptTokensReused).toBe(a2.usage.cachedInputTokens);
  });

  it("evaluates only the redirect after an interrupt", async () => {
    const target = client();
    const messages: Message[] = [system, { role: "user", content: "write a long function" }];
    const interrupted = await run(target, { ...ask(""), messages, maxTokens: 1000 }, 60);
    expect(interrupted.finish).toBe("abort");
    const redirect = await run(target, { ...ask(""), messages: [...messages, { role: "assistant", content: interrupted.text }, { role: "user", content: "shorter" }], maxTokens: 10 });
    expect(redirect.usage.cachedInputTokens).toBeGreaterThanOrEqual(interrupted.usage.inputTokens);
    expect(redirect.usage.inputTokens - redirect.usage.cachedInputTokens).toBeLessThan(interrupted.usage.outputTokens + 20);
  });

  it("saves a conversation's state and resumes it in a new engine without re-prefill", async () => {
    const messages: Message[] = [system, { role: "user", content: "remember this" }];
    const first = client();
    await run(first, { ...ask(""), messages, maxTokens: 10 });
    const file = join(mkdtempSync(join(tmpdir(), "spark-state-")), "session.bin");
    const saved = await first.saveSession(file);
    expect(saved.tokens).toBeGreaterThan(100);
    const resumed = client();
    await resumed.loadSession(file);
    const next = await run(resumed, { ...ask(""), messages, maxTokens: 5 });
    expect(next.usage.cachedInputTokens).toBeGreaterThan(100);
  });
});

describe("speculation on a model whose greedy output follows a known text (chain model)", () => {
  const request = (extra: Partial<ModelRequest> = {}) => ask(`Continue:\n${CHAIN_TEXT}${CHAIN_TEXT}`, { maxTokens: 200, ...extra });

  it("accepts nearly every drafted token of a matching prediction, prompt lookup and draft model, with identical output", async () => {
    const chain = await ensureChainModel();
    const plain = await run(client({ speculation: false }, chain), request());
    const predicted = await run(client({}, chain), request({ prediction: CHAIN_TEXT.repeat(2) }));
    const lookup = await run(client({}, chain), request());
    const drafted = await run(client({ draftModelPath: chain }, chain), request());
    for (const lever of [predicted, lookup, drafted]) {
      expect(lever.text).toBe(plain.text);
      expect(lever.metrics.draftTokensAccepted).toBeGreaterThan(plain.usage.outputTokens * 0.5);
      expect(lever.metrics.draftTokensRejected).toBeLessThan(lever.metrics.draftTokensAccepted / 10);
    }
    expect(predicted.usage.acceptedPredictionTokens).toBeGreaterThan(plain.usage.outputTokens * 0.8);
  });

  it("refuses a draft model whose vocabulary differs, saying why", async () => {
    const result = await run(client({ draftModelPath: await ensureAltVocabModel() }), ask("hi", { maxTokens: 5 }));
    expect(result.finish).toBe("error");
    expect(result.error).toMatch(/cannot draft for .*: token \d+ differs/);
  });
});
