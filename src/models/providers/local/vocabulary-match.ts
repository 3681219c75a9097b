import type { LlamaModel } from "node-llama-cpp";

function vocabularyOf(model: LlamaModel): { kind: string; tokens: readonly string[] | undefined } {
  const tokenizer = (model.fileInfo.metadata as { tokenizer?: { ggml?: { model?: string; tokens?: readonly string[] } } }).tokenizer?.ggml;
  return { kind: String(tokenizer?.model ?? model.vocabularyType), tokens: tokenizer?.tokens };
}

/**
 * Why a draft model cannot draft for a target, or undefined when it can: speculative decoding compares
 * token ids, so both must share one vocabulary exactly.
 */
export function vocabularyMismatch(target: LlamaModel, draft: LlamaModel): string | undefined {
  const a = vocabularyOf(target);
  const b = vocabularyOf(draft);
  if (a.kind !== b.kind) return `the tokenizers differ (${a.kind} vs ${b.kind})`;
  if (!a.tokens || !b.tokens) return undefined;
  if (a.tokens.length !== b.tokens.length) return `the vocabularies differ in size (${a.tokens.length} vs ${b.tokens.length} tokens)`;
  const differing = a.tokens.findIndex((token, index) => token !== b.tokens?.[index]);
  return differing === -1 ? undefined : `token ${differing} differs (${JSON.stringify(a.tokens[differing])} vs ${JSON.stringify(b.tokens[differing])})`;
}
