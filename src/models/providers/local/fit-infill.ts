import type { Token } from "node-llama-cpp";
import type { LoadedModel } from "./local-engine.js";

/** A fill-in-the-middle prompt cut to fit the context: its parts, and the whole as the model reads it. */
export interface InfillPrompt {
  prefix: Token[];
  suffix: Token[];
  /** Laid out as node-llama-cpp does (prefix-suffix-middle), to pick a sequence and count reuse. */
  prompt: Token[];
}

export function hasInfillTokens(loaded: LoadedModel): boolean {
  const { infill } = loaded.model.tokens;
  return infill.prefix !== null && infill.suffix !== null;
}

/**
 * The prefix and suffix as tokens, cut to fit the context with room for the answer: the suffix to a
 * quarter of the room at most, the prefix from its start, in coarse steps so the kept beginning, and its
 * cache, survive the next keystrokes. Only for a model with infill tokens (hasInfillTokens).
 */
export function fitInfill(loaded: LoadedModel, prefix: string, suffix: string, maxTokens: number): InfillPrompt {
  const { model } = loaded;
  const { infill, bos } = model.tokens;
  // node-llama-cpp keeps a tenth of the context free for shifting; four special tokens at most.
  const room = Math.max(16, loaded.contextSize - Math.ceil(loaded.contextSize / 10) - maxTokens - 4);
  const suffixTokens = model.tokenize(suffix, false, "trimLeadingSpace").slice(0, Math.floor(room / 4));
  let prefixTokens = model.tokenize(prefix, false, "trimLeadingSpace");
  const prefixRoom = room - suffixTokens.length;
  if (prefixTokens.length > prefixRoom) {
    const step = Math.max(1, Math.floor(prefixRoom / 4));
    prefixTokens = prefixTokens.slice(Math.ceil((prefixTokens.length - prefixRoom) / step) * step);
  }
  const prompt: Token[] = [];
  if (bos !== null && model.tokens.shouldPrependBosToken) prompt.push(bos);
  if (infill.middle !== null) prompt.push(infill.prefix as Token, ...prefixTokens, infill.suffix as Token, ...suffixTokens, infill.middle);
  else prompt.push(infill.suffix as Token, ...suffixTokens, infill.prefix as Token, ...prefixTokens);
  return { prefix: prefixTokens, suffix: suffixTokens, prompt };
}
