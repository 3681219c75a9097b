import type { Token } from "node-llama-cpp";
import { afterAll, describe, expect, it } from "vitest";
import { CHAIN_TEXT, ensureChainModel } from "../../../../test/support/tiny-gguf.js";
import { defaultDraftPolicy } from "../../../speed/speculation/index.js";
import { LocalEngine, type LoadedModel } from "./local-engine.js";

const engine = new LocalEngine({ threads: 1, gpu: false, sequences: 1 });
afterAll(() => engine.dispose());

const outputTokens = 160;

/** Greedy completion of the prompt on the pool's one sequence with the given speculation; the sequence's draft counts for it. */
async function complete(loaded: LoadedModel, prompt: Token[], prediction?: Token[]) {
  const slot = await loaded.pool.acquire(prompt);
  try {
    slot.predictor.beginRequest(prediction ? "prediction" : "off", prediction);
    const before = { ...slot.sequence.tokenPredictions };
    const output: Token[] = [];
    await slot.completion.generateCompletionWithMeta(prompt, { maxTokens: outputTokens, temperature: 0, onToken: (tokens) => output.push(...tokens) });
    const refuted = slot.sequence.tokenPredictions.refuted - before.refuted;
    return { output, refuted, stats: slot.predictor.requestStats() };
  } finally {
    loaded.pool.release(slot);
  }
}

describe("useless drafts on the real engine (chain model)", () => {
  it("stop being verified after the first rejected draft, apart from rare one-token probes, with the same output", { timeout: 120_000 }, async () => {
    const loaded = await engine.load(await ensureChainModel(), { contextSize: 1024 });
    const prompt = loaded.model.tokenize(`Continue:\n${CHAIN_TEXT}`);
    const plain = await complete(loaded, prompt);
    // The prediction starts wrong, and after every three output tokens it has those tokens followed by a wrong continuation, so
    // the follower re-synchronises at every step and would draft a wrong guess each time it is asked.
    // Wrong tokens are taken from the output itself, so they are in the vocabulary.
    const [a, b] = [...new Set(plain.output)] as [Token, Token];
    const wrong = plain.output.map((token) => (token === a ? b : a));
    const prediction = [...wrong.slice(0, 4), ...plain.output.flatMap((_, index) => (index < 3 ? [] : [...plain.output.slice(index - 3, index), ...wrong.slice(index, index + 4)]))];
    const useless = await complete(loaded, prompt, prediction);
    expect(useless.output).toEqual(plain.output);
    expect(useless.stats.accepted).toBe(0);
    expect(useless.stats.paused).toBe(true);
    // The first draft is rejected whole; after it, only one-token probes: two at once, then one per 32 generated tokens.
    const probes = 2 + Math.ceil(outputTokens * defaultDraftPolicy.allowancePerToken);
    expect(useless.stats.drafts).toBeLessThanOrEqual(1 + probes);
    expect(useless.stats.proposed).toBe(defaultDraftPolicy.initialLength + (useless.stats.drafts - 1));
    expect(useless.refuted).toBeLessThanOrEqual(defaultDraftPolicy.initialLength + probes);
    expect(useless.refuted).toBe(useless.stats.proposed);
  });
});
