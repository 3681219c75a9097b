import { LlamaText, SpecialToken, SpecialTokensText, type LlamaModel, type Token, type Tokenizer } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { remainderAfter, spliceTranscript, transcriptAfter } from "./held-tokens.js";

/** One token per character (special text: 1000 + its length), enough to see which part was tokenized and how. */
const tokenizer = ((text: string, special?: boolean | "builtin") => {
  if (special === "builtin") return [999 as Token];
  if (special === true) return [(1000 + text.length) as Token];
  return [...text].map((char) => char.charCodeAt(0) as Token);
}) as unknown as Tokenizer;

const open = new SpecialTokensText("<|im_start|>assistant\n");
const close = new SpecialTokensText("<|im_end|>\n<|im_start|>user\n");

describe("held tokens", () => {
  it("finds what a rendering says after the transcript's text, splitting inside a string or a special text", () => {
    expect(remainderAfter(LlamaText(["sys", open, "ab"]), LlamaText(["sys", open, "abc", close, "next"]))?.toJSON()).toEqual(["c", close.toJSON(), "next"]);
    expect(remainderAfter(LlamaText(["sys", new SpecialTokensText("<|im_end|>\n")]), LlamaText(["sys", new SpecialTokensText("<|im_end|>\n<|im_start|>a")]))?.toJSON()).toEqual([{ type: "specialTokensText", value: "<|im_start|>a" }]);
    expect(remainderAfter(LlamaText(["sys", open]), LlamaText(["sys", open]))?.values).toEqual([]);
  });

  it("refuses a rendering that differs before the end of the transcript's text", () => {
    expect(remainderAfter(LlamaText(["sys", open, "ab"]), LlamaText(["sYs", open, "abc"]))).toBeUndefined();
    expect(remainderAfter(LlamaText(["sys", open, "ab"]), LlamaText(["sys", open, "a"]))).toBeUndefined();
    // The same characters as plain text are not the special text the transcript's tokens stand for.
    expect(remainderAfter(LlamaText(["sys", open]), LlamaText(["sys<|im_start|>assistant\n"]))).toBeUndefined();
    expect(remainderAfter(LlamaText([new SpecialToken("BOS"), "a"]), LlamaText([new SpecialToken("EOS"), "a"]))).toBeUndefined();
    expect(remainderAfter(LlamaText([]), LlamaText(["a"]))).toBeUndefined();
  });

  it("gives the transcript's tokens for its part and tokenizes only the rest, without a leading space added", () => {
    const held = [1, 2, 3] as Token[];
    const spliced = spliceTranscript(LlamaText(["sys", open, "abc", close]), { text: LlamaText(["sys", open, "ab"]), tokens: held });
    expect(spliced.tokenize(tokenizer)).toEqual([1, 2, 3, "c".charCodeAt(0), 1000 + close.value.length]);
    // A rendering of another conversation is tokenized whole, as before.
    const other = LlamaText(["other", close]);
    expect(spliceTranscript(other, { text: LlamaText(["sys"]), tokens: held })).toBe(other);
    expect(spliceTranscript(other, undefined)).toBe(other);
  });

  describe("the transcript after a generation", () => {
    // Token n says pieces[n]; 90 is a control token (says nothing as text), 99 ends the generation.
    const pieces: Record<number, string> = { 1: " Hel", 2: "lo", 3: " world", 4: "!", 90: "", 99: "" };
    const model = {
      detokenize: (tokens: readonly Token[]) => tokens.map((token) => pieces[token] ?? "?").join(""),
      isEogToken: (token: Token) => token === 99,
      isSpecialToken: (token: Token) => token === 90 || token === 99,
    } as unknown as LlamaModel;
    const prompt = { text: LlamaText(["sys", open]), tokens: [7, 8] as Token[] };

    it("keeps the answer's tokens for the text the client got, leading space and end of generation aside", () => {
      const after = transcriptAfter(model, prompt, [1, 2, 3, 99] as Token[], "Hello world");
      expect(after.tokens).toEqual([7, 8, 1, 2, 3]);
      expect(after.text.toJSON()).toEqual(["sys", open.toJSON(), "Hello world"]);
    });

    it("drops tokens generated but never sent (an abort while they were held back)", () => {
      expect(transcriptAfter(model, prompt, [1, 2, 3, 4] as Token[], "Hello").tokens).toEqual([7, 8, 1, 2]);
    });

    it("keeps only the prompt when the text differs from what the tokens say, or a control token was generated", () => {
      expect(transcriptAfter(model, prompt, [1, 2] as Token[], "Hi")).toBe(prompt);
      expect(transcriptAfter(model, prompt, [1, 90, 2] as Token[], "Hello")).toBe(prompt);
      expect(transcriptAfter(model, prompt, [99] as Token[], "")).toBe(prompt);
    });
  });
});
