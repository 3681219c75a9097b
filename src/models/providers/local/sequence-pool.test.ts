import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import type { Transcript } from "./held-tokens.js";
import { SequencePool, tokensPerTranscript, type Slot } from "./sequence-pool.js";

/**
 * The pool's choice of slot with sequences that hold given tokens (what pick reads of a sequence: its
 * context tokens and the shared prefix with a prompt). The engine's own sequences are exercised by
 * local-client.test.ts; here the count of prompt renderings is what is measured.
 */
function slotHolding(tokens: number[], transcript?: Transcript): Slot {
  const sequence = {
    contextTokens: tokens,
    compareContextTokens: (prompt: Token[]) => {
      let index = 0;
      while (index < tokens.length && index < prompt.length && tokens[index] === prompt[index]) index++;
      return { firstDifferentIndex: index };
    },
  } as unknown as LlamaContextSequence;
  return { sequence, chat: undefined as never, completion: undefined as never, predictor: undefined as never, lastUsed: 0, busy: false, transcript };
}

describe("SequencePool's prompt per slot", () => {
  it("tokenizes a call's prompt once however many slots are free, and once more per other transcript", async () => {
    const prompt = [1, 2, 3, 4] as Token[];
    let tokenized = 0;
    const tokensFor = tokensPerTranscript(() => {
      tokenized++;
      return prompt;
    });
    const pool = new SequencePool([slotHolding([9]), slotHolding([1, 2, 3]), slotHolding([]), slotHolding([1])]);
    const slot = await pool.acquire(tokensFor);
    expect(slot).toBe(pool.slots[1]);
    // The call reads its slot's prompt again after acquiring it: still the first rendering.
    expect(tokensFor(slot)).toBe(prompt);
    expect(tokenized).toBe(1);

    // Slots whose transcripts differ (each holds a different generated answer) render one prompt each.
    const transcript = (): Transcript => ({ text: undefined as never, tokens: [] });
    const shared = transcript();
    const other = new SequencePool([slotHolding([], shared), slotHolding([], shared), slotHolding([], transcript()), slotHolding([])]);
    let rendered = 0;
    await other.acquire(
      tokensPerTranscript(() => {
        rendered++;
        return prompt;
      }),
    );
    expect(rendered).toBe(3);
  });
});
