/**
 * The text a "chain model" follows (see gguf-chain-weights.ts), and how it is cut into tokens.
 *
 * A chain model's next token depends on its current token only, so the text's tokens must be distinct:
 * every token then has exactly one successor, and greedy decoding from anywhere in the text reproduces
 * the rest of it, then starts over (the last token's successor is the first), for as long as it runs.
 *
 * The cut is by construction, not by search: the text is split into WORDS, each a run of whitespace
 * (" " or "\n") followed by a run of other characters, and the chain vocabulary holds exactly the words
 * and every prefix of 2+ characters of each, plus byte tokens (no other multi-character pieces). llama.cpp's
 * SPM tokenizer then cuts the text into exactly those words:
 * - every piece starts with whitespace and has no whitespace after a non-whitespace character, so no
 *   piece spans a word boundary (that would put whitespace after a non-whitespace character);
 * - SPM merges the highest-scoring adjacent pair first, leftmost on ties. All 2-character pieces score
 *   the same and longer ones score higher, so the leftmost word's first pair merges first and then grows
 *   one character at a time through its prefixes (each merge scores above any 2-character pair) to the
 *   whole word, and stops (the word plus the next character, whitespace, is no piece). Then the next word.
 * Because the text starts with whitespace and ends without it, the same holds across the wrap from its
 * end to its start: the text repeated any number of times tokenizes into its tokens repeated.
 * llama.cpp's space prefix (add_space_prefix) is off in chain models, so a text tokenizes the same alone
 * or in the middle of a longer one.
 */

/**
 * Code-like, 493 characters, 59 tokens, every token distinct (whitespace-led words never repeat: this is
 * why braces sit in different places, one line uses Allman style, and only one statement assigns).
 */
export const CHAIN_TEXT = [
  "",
  "// chain.ts: greedy decoding walks this text one token at a time.",
  "declare function fibonacci(limit: number): bigint[];",
  "",
  "export class LruCache<V> extends Map<string, V>",
  "{",
  "  constructor(readonly capacity: number) { super(); }",
  "",
  "  override get(key: string): V | undefined",
  "  {",
  "    const hit = super.get(key);",
  "    if (hit !== undefined)",
  "    {",
  "      this.delete(key);",
  "      this.set(key, hit);",
  "    }",
  "    while (this.size > this.capacity) this.delete(this.keys().next().value!);",
  "    return hit;",
  "  }",
  "}",
].join("\n");

/** SPM's escaped space. */
export const SPM_SPACE = "\u2581";

/**
 * The text's words in SPM form (spaces as "▁"), in order: the pieces it tokenizes into. Throws, saying
 * which, when the text cannot be a chain: not printable ASCII, not starting with whitespace, ending with
 * whitespace, or with a word that repeats.
 */
export function chainWords(text: string): string[] {
  if (!/^[\x20-\x7e\n]+$/.test(text)) throw new Error("chain text must be printable ASCII and \"\\n\"");
  if (!/^[ \n]/.test(text)) throw new Error("chain text must start with a space or a newline");
  if (/[ \n]$/.test(text)) throw new Error("chain text must not end with whitespace");
  const escaped = text.replaceAll(" ", SPM_SPACE);
  const words = escaped.match(/[\n\u2581]+[^\n\u2581]+/g) ?? [];
  const seen = new Set<string>();
  for (const word of words) {
    if (seen.has(word)) {
      throw new Error(`chain text repeats the word ${JSON.stringify(word.replaceAll(SPM_SPACE, " "))}; ` +
        "every whitespace-led word must be distinct so that each token has one successor");
    }
    seen.add(word);
  }
  return words;
}
