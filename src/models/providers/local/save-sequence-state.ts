import type { LlamaContextSequence } from "node-llama-cpp";

/**
 * Saves a sequence's KV state to `filePath` holding exactly the cells of its tokens.
 *
 * node-llama-cpp 3.21.1 writes every KV cell of the sequence, including those of token predictions
 * (speculative drafts evaluated ahead and not yet accepted), but only the accepted tokens. A state loaded
 * later then holds cells past its last token, and the next evaluation after any erase fails in llama.cpp
 * ("inconsistent sequence positions", "Eval has failed"). Erasing the last token drops it and every
 * prediction after it; evaluating it again costs one token and leaves the cells and tokens equal.
 */
export async function saveSequenceState(sequence: LlamaContextSequence, filePath: string): Promise<{ fileSize: number }> {
  const tokens = sequence.contextTokens;
  const last = tokens.at(-1);
  if (last !== undefined) {
    await sequence.eraseContextTokenRanges([{ start: tokens.length - 1, end: tokens.length }]);
    await sequence.evaluateWithoutGeneratingNewTokens([last]);
  }
  return sequence.saveStateToFile(filePath);
}
