/**
 * The tiny GGUF writer, checked against the real node-llama-cpp (prebuilt CPU binary, one thread).
 * For the random-weight models only properties that hold for any weights are asserted: loading,
 * determinism, readable ASCII, running to maxTokens, the chat wrapper, and rejection of a damaged file.
 * The chain models are asserted to follow their text exactly, with and without speculative decoding
 * (never how fast: timings are for `npm run bench`), and the "alt" vocabulary to differ from the default.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, truncate, copyFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChatMLChatWrapper, DraftSequenceTokenPredictor, InputLookupTokenPredictor, LlamaChatSession, LlamaCompletion,
  LlamaLogLevel, TokenPredictor, getLlama, resolveChatWrapper,
} from "node-llama-cpp";
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { CHAIN_TEXT, ensureAltVocabModel, ensureChainModel, ensureTestModel, writeTinyGguf } from "./support/tiny-gguf.js";

const PRINTABLE = /^[\x20-\x7e\n]*$/;
const PROMPT = "export function add(a, b) {\n  return";

let llama: Llama;
let model: LlamaModel;
let context: LlamaContext;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "tiny-gguf-"));
  // build: "never" uses the prebuilt CPU binary from @node-llama-cpp/linux-x64 and throws rather than
  // compiling or downloading llama.cpp when no usable binary exists.
  llama = await getLlama({ gpu: false, build: "never", progressLogs: false, logLevel: LlamaLogLevel.error });
  model = await llama.loadModel({ modelPath: await ensureTestModel() });
  // threads: 1, because more threads than free cores is catastrophically slow on 2-core machines.
  context = await model.createContext({ contextSize: 1024, threads: 1, sequences: 4 });
});

afterAll(async () => {
  await context?.dispose();
  await model?.dispose();
  // Not llama.dispose(): in node-llama-cpp 3.21.1 a failed loadModel (the truncated-file test) leaks a
  // dispose-prevention handle once the half-built model is garbage-collected, and llama.dispose() then
  // waits forever. The worker process exits at the end of the file, which frees the backend anyway.
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Generates on a fresh sequence, returning the text, the token ids and why generation stopped. */
async function complete(maxTokens: number, temperature: number, seed = 1) {
  const sequence = context.getSequence();
  try {
    const tokens: Token[] = [];
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const result = await completion.generateCompletionWithMeta(PROMPT, {
      maxTokens, temperature, seed, onToken: (chunk) => tokens.push(...chunk),
    });
    return { text: result.response, tokens, stopReason: result.metadata.stopReason };
  } finally {
    sequence.dispose();
  }
}

/** A token the default model may emit: not special, and its text is printable ASCII or "\n". */
function isAllowedToken(token: Token): boolean {
  return !model.isSpecialToken(token) && PRINTABLE.test(model.detokenize([token], true));
}

async function sha256(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

describe("tiny GGUF model", () => {
  it("loads with a ChatML vocabulary and chat template", () => {
    expect(model.fileInfo.metadata.general.architecture).toBe("llama");
    expect(model.tokens.bos).toBe(1);
    expect(model.tokens.eos).toBe(2);
    expect(model.tokenize("<|im_start|>", true)).toHaveLength(1);
    expect(model.detokenize(model.tokenize("the function returns\n"))).toBe("the function returns\n");
    expect(resolveChatWrapper(model)).toBeInstanceOf(ChatMLChatWrapper);
  });

  it("generates identical printable text at temperature 0 and always runs to maxTokens", async () => {
    const first = await complete(200, 0);
    const second = await complete(200, 0);
    expect(first.stopReason).toBe("maxTokens");
    expect(first.tokens).toHaveLength(200);
    expect(first.text.length).toBeGreaterThan(0);
    expect(first.text).toMatch(PRINTABLE);
    expect(second.text).toBe(first.text);
    expect(second.tokens).toEqual(first.tokens);
  });

  it("never samples a special or non-printable token at temperature 1", async () => {
    const { tokens, text, stopReason } = await complete(600, 1, 7);
    expect(stopReason).toBe("maxTokens");
    expect(tokens.filter((token) => !isAllowedToken(token))).toEqual([]);
    expect(text).toMatch(PRINTABLE);
  });

  it("works with LlamaChatSession and never ends the turn by itself", async () => {
    const sequence = context.getSequence();
    try {
      const session = new LlamaChatSession({ contextSequence: sequence });
      expect(session.chatWrapper).toBeInstanceOf(ChatMLChatWrapper);
      const result = await session.promptWithMeta("Write a function.", { maxTokens: 64, temperature: 0 });
      expect(result.stopReason).toBe("maxTokens");
      expect(result.responseText).toMatch(PRINTABLE);
    } finally {
      sequence.dispose();
    }
  });

  it("can end by itself when eosReachable is set", async () => {
    const path = join(tmp, "eos.gguf");
    await writeTinyGguf(path, { eosReachable: true });
    const eosModel = await llama.loadModel({ modelPath: path });
    try {
      const eosContext = await eosModel.createContext({ contextSize: 1024, threads: 1 });
      const completion = new LlamaCompletion({ contextSequence: eosContext.getSequence() });
      const result = await completion.generateCompletionWithMeta(PROMPT, { maxTokens: 1000, temperature: 1, seed: 2 });
      expect(result.metadata.stopReason).toBe("eogToken");
    } finally {
      await eosModel.dispose();
    }
  });

  it("writes byte-identical files for the same options and different ones for another seed", async () => {
    const [a, b, c] = ["a", "b", "c"].map((name) => join(tmp, `${name}.gguf`)) as [string, string, string];
    await writeTinyGguf(a, { seed: 5 });
    await writeTinyGguf(b, { seed: 5 });
    await writeTinyGguf(c, { seed: 6 });
    expect(await sha256(a)).toBe(await sha256(b));
    expect(await sha256(c)).not.toBe(await sha256(a));
    expect((await stat(a)).size % 32).toBe(0);
  });

  it("refuses to load a truncated file", async () => {
    const source = await ensureTestModel();
    const { size } = await stat(source);
    for (const length of [Math.floor(size / 2), 64]) {
      const path = join(tmp, `truncated-${length}.gguf`);
      await copyFile(source, path);
      await truncate(path, length);
      await expect(llama.loadModel({ modelPath: path })).rejects.toThrow();
    }
  });
});

/**
 * Drafts the next `length` tokens of a cyclic chain after the last token seen (the chain's start after
 * any token off it), as the chain models themselves do: every draft should be accepted.
 */
class ChainTokenPredictor extends TokenPredictor {
  private last: Token | undefined;

  constructor(private readonly chain: readonly Token[], private readonly length: number) {
    super();
  }
  override reset({ stateTokens }: { stateTokens: Token[] }): void {
    this.last = stateTokens.at(-1);
  }
  override pushTokens(tokens: Token[]): void {
    this.last = tokens.at(-1) ?? this.last;
  }
  override predictTokens(): Token[] {
    const at = this.last === undefined ? -1 : this.chain.indexOf(this.last);
    return Array.from({ length: this.length }, (_, k) => this.chain[(at + 1 + k) % this.chain.length] as Token);
  }
}

/** Greedy completion on `sequence` (disposed after), with the tokens generated and the predictor statistics. */
async function greedy(sequence: LlamaContextSequence, prompt: string, maxTokens: number) {
  try {
    const tokens: Token[] = [];
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const result = await completion.generateCompletionWithMeta(prompt, {
      maxTokens, temperature: 0, onToken: (chunk) => tokens.push(...chunk),
    });
    return { text: result.response, tokens, stopReason: result.metadata.stopReason, predictions: { ...sequence.tokenPredictions } };
  } finally {
    sequence.dispose();
  }
}

describe("chain model", () => {
  let chainModel: LlamaModel;
  let chainContext: LlamaContext;
  /** CHAIN_TEXT's tokens: the cycle greedy decoding follows. */
  let chain: Token[];
  /** The chain's tokens from position `start`, `count` of them, wrapping around. */
  const chainFrom = (start: number, count: number): Token[] =>
    Array.from({ length: count }, (_, i) => chain[(start + i) % chain.length] as Token);

  beforeAll(async () => {
    chainModel = await llama.loadModel({ modelPath: await ensureChainModel() });
    chainContext = await chainModel.createContext({ contextSize: 1024, threads: 1, sequences: 2 });
    chain = chainModel.tokenize(CHAIN_TEXT);
  });

  afterAll(async () => {
    await chainContext?.dispose();
    await chainModel?.dispose();
  });

  it("tokenizes CHAIN_TEXT into distinct tokens, the same alone, repeated, or from any token on", () => {
    expect(CHAIN_TEXT.length).toBeGreaterThan(300);
    expect(chain.length).toBeGreaterThan(40);
    expect(new Set(chain).size).toBe(chain.length);
    expect(chainModel.detokenize(chain)).toBe(CHAIN_TEXT);
    expect(chainModel.tokenize(CHAIN_TEXT.repeat(3))).toEqual([...chain, ...chain, ...chain]);
    for (const start of [1, 17, chain.length - 1]) {
      const rest = chainModel.detokenize(chain.slice(start)) + CHAIN_TEXT;
      expect(chainModel.tokenize(rest)).toEqual(chainFrom(start, 2 * chain.length - start));
    }
  });

  it("continues any prefix of CHAIN_TEXT with the rest of it at temperature 0, cycling", async () => {
    for (const start of [1, 12, chain.length - 1]) {
      const prompt = chainModel.detokenize(chain.slice(0, start));
      const count = 2 * chain.length + 5;
      const result = await greedy(chainContext.getSequence(), prompt, count);
      expect(result.stopReason).toBe("maxTokens");
      expect(result.tokens).toEqual(chainFrom(start, count));
      expect(result.text).toBe(CHAIN_TEXT.repeat(4).slice(prompt.length, prompt.length + result.text.length));
      // Generated text re-tokenizes into the very tokens generated: drafts taken from text line up.
      expect(chainModel.tokenize(result.text)).toEqual(result.tokens);
    }
  });

  it("starts the chain after a prompt from outside it, and follows it at temperature 1 too", async () => {
    const offChain = await greedy(chainContext.getSequence(), "hello", chain.length);
    expect(offChain.text).toBe(CHAIN_TEXT);
    const sequence = chainContext.getSequence();
    try {
      const completion = new LlamaCompletion({ contextSequence: sequence });
      const hot = await completion.generateCompletion(CHAIN_TEXT, { maxTokens: 2 * chain.length, temperature: 1, seed: 3 });
      expect(hot).toBe(CHAIN_TEXT.repeat(2));
    } finally {
      sequence.dispose();
    }
  });

  it("accepts every draft of InputLookupTokenPredictor fed the text in the prompt, with identical output", async () => {
    const prompt = CHAIN_TEXT + chainModel.detokenize(chain.slice(0, 12));
    const count = 2 * chain.length;
    const plain = await greedy(chainContext.getSequence(), prompt, count);
    const lookup = new InputLookupTokenPredictor({ predictionLength: { max: 8 } });
    const speculative = await greedy(chainContext.getSequence({ tokenPredictor: lookup }), prompt, count);
    expect(speculative.tokens).toEqual(plain.tokens);
    expect(speculative.tokens).toEqual(chainFrom(12, count));
    expect(speculative.predictions.refuted).toBe(0);
    // A batch of 8 accepted drafts yields 9 tokens (its last logits give one more), and at the end of the
    // prompt the lookup has nothing to draft for one token: about 8/9 of the tokens are validated drafts.
    expect(speculative.predictions.validated).toBeGreaterThanOrEqual(0.8 * count);
  });

  it("accepts every draft of a predictor that follows the chain, with identical output", async () => {
    const prompt = chainModel.detokenize(chain.slice(0, 5));
    const count = 3 * chain.length;
    const plain = await greedy(chainContext.getSequence(), prompt, count);
    const predictor = new ChainTokenPredictor(chain, 8);
    const speculative = await greedy(chainContext.getSequence({ tokenPredictor: predictor }), prompt, count);
    expect(speculative.text).toBe(plain.text);
    expect(speculative.tokens).toEqual(plain.tokens);
    expect(speculative.predictions.refuted).toBe(0);
    expect(speculative.predictions.validated).toBeGreaterThanOrEqual(0.85 * count); // 8 of every 9 tokens
  });

  it("the wide chain model follows the same chain, and the small one drafts for it with every draft accepted", async () => {
    const wideModel = await llama.loadModel({ modelPath: await ensureChainModel({ wide: true }) });
    try {
      expect(wideModel.fileInfo.metadata.llama?.embedding_length).toBe(512);
      expect(wideModel.tokenize(CHAIN_TEXT)).toEqual(chain);
      const wideContext = await wideModel.createContext({ contextSize: 512, threads: 1 });
      const prompt = chainModel.detokenize(chain.slice(0, 30));
      const count = chain.length + 10;
      const draftSequence = chainContext.getSequence();
      const drafter = new DraftSequenceTokenPredictor(draftSequence, { minTokens: 4, maxTokens: 8 });
      try {
        const result = await greedy(wideContext.getSequence({ tokenPredictor: drafter }), prompt, count);
        expect(result.tokens).toEqual(chainFrom(30, count));
        expect(result.predictions.refuted).toBe(0);
        expect(result.predictions.validated).toBeGreaterThan(count / 2);
      } finally {
        draftSequence.dispose();
      }
    } finally {
      await wideModel.dispose();
    }
  });

  it("refuses chain texts whose tokens would not be distinct, and too narrow a model", async () => {
    const path = join(tmp, "bad-chain.gguf");
    await expect(writeTinyGguf(path, { chainText: "\nlet a = 1;\nlet b = 2;" })).rejects.toThrow(/repeats the word "\\nlet"/);
    await expect(writeTinyGguf(path, { chainText: "no leading whitespace" })).rejects.toThrow(/start with/);
    await expect(writeTinyGguf(path, { chainText: CHAIN_TEXT, embeddingLength: 32 })).rejects.toThrow(/embeddingLength >= /);
    await expect(writeTinyGguf(path, { chainText: CHAIN_TEXT, vocabularyVariant: "alt" })).rejects.toThrow(/vocabularyVariant/);
  });
});

describe("alt vocabulary model", () => {
  it("has as many tokens as the default, the same special and byte tokens, and different pieces", async () => {
    const alt = await llama.loadModel({ modelPath: await ensureAltVocabModel(), vocabOnly: true });
    try {
      const tokensOf = (m: LlamaModel): string[] => m.fileInfo.metadata.tokenizer.ggml.tokens as string[];
      const [base, other] = [tokensOf(model), tokensOf(alt)];
      expect(other.length).toBe(base.length);
      expect(other.slice(0, 261)).toEqual(base.slice(0, 261)); // 5 special tokens, 256 byte tokens
      expect(other.slice(261)).not.toEqual(base.slice(261));
      expect(new Set(other)).not.toEqual(new Set(base));
      expect([alt.tokens.bos, alt.tokens.eos]).toEqual([model.tokens.bos, model.tokens.eos]);
      expect(alt.tokenize("the function returns")).not.toEqual(model.tokenize("the function returns"));
      expect(alt.detokenize(alt.tokenize("the function returns\n"))).toBe("the function returns\n");
    } finally {
      await alt.dispose();
    }
  });
});
