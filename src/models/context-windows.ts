/**
 * Context windows of well-known remote models, in tokens (prompt and answer together), for budgeting
 * requests when the server does not say. Patterns are tried in order; the first match wins, so more
 * specific names come first. A config `context_size` beats this table.
 */
const knownWindows: readonly (readonly [RegExp, number])[] = [
  [/gpt-5(\.\d+)?-codex-spark/, 128_000],
  [/gpt-5/, 400_000],
  [/gpt-4\.1/, 1_047_576],
  [/gpt-4o|chatgpt-4o/, 128_000],
  [/^(openai\/)?o\d/, 200_000],
  [/gpt-oss/, 131_072],
  [/qwen-?3-coder/, 262_144],
  [/qwen2\.5-coder|qwen-?2\.5/, 32_768],
  [/llama-?3\.[123]/, 131_072],
  [/deepseek/, 128_000],
];

/**
 * What an unknown remote model is assumed to hold: small enough for most servers one runs at home
 * (llama.cpp and Ollama often default to less, and say so with a 400 that `context_size` fixes).
 */
export const fallbackContextWindow = 32_768;

export function knownContextWindow(model: string): number | undefined {
  const name = model.toLowerCase();
  return knownWindows.find(([pattern]) => pattern.test(name))?.[1];
}
