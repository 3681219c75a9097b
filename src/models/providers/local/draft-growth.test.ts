import type { Token } from "node-llama-cpp";
import { afterAll, describe, expect, it } from "vitest";
import { CHAIN_TEXT, ensureChainModel } from "../../../../test/support/tiny-gguf.js";
import { defaultDraftPolicy } from "../../../speed/speculation/index.js";
import { LocalEngine, type LoadedModel } from "./local-engine.js";

const engine = new LocalEngine({ threads: 1, gpu: false, sequences: 1 });
afterAll(() => engine.dispose());

const outputTokens = 200;

/** Greedy completion of the prompt on the pool's one sequence, with the prediction as drafts when given. */
async function complete(loaded: LoadedModel, prompt: Token[], prediction?: Token[]) {
  const slot = await loaded.pool.acquire(prompt);
  try {
    slot.predictor.beginRequest(prediction ? "prediction" : "off", prediction);
    const output: Token[] = [];
    await slot.completion.generateCompletionWithMeta(prompt, { maxTokens: outputTokens, temperature: 0, onToken: (tokens) => output.push(...tokens) });
    return { output, stats: slot.predictor.requestStats() };
  } finally {
    loaded.pool.release(slot);
  }
}

describe("a prediction that keeps being accepted on the real engine (chain model)", () => {
  it("grows its drafts past 16 tokens, to the policy's longest, with the same output", { timeout: 120_000 }, async () => {
    const loaded = await engine.load(await ensureChainModel(), { contextSize: 1024 });
    const prompt = loaded.model.tokenize(`Continue:\n${CHAIN_TEXT}`);
    const plain = await complete(loaded, prompt);
    const predicted = await complete(loaded, prompt, plain.output);
    expect(predicted.output).toEqual(plain.output);
    // All but the tail of the last draft, which may run past the token limit.
    expect(predicted.stats.accepted).toBeGreaterThanOrEqual(predicted.stats.proposed - defaultDraftPolicy.maxLength);
    // 4, then 32-token drafts: an average above 16 is out of reach for drafts capped at 16.
    expect(defaultDraftPolicy.maxLength).toBeGreaterThan(16);
    expect(predicted.stats.accepted / predicted.stats.drafts).toBeGreaterThan(16);
  });
});
