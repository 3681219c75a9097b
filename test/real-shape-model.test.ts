/**
 * The real-shape test models (test/support/gguf-shapes.ts) through the real node-llama-cpp: the same
 * writer as `npm run make-test-model -- --shape qwen2.5-coder-1.5b`, with the sizes reduced (2 blocks,
 * 256 wide, a 4,096-token vocabulary) so the suite writes and loads it in a second. llama.cpp must load
 * the qwen2 file with its quantized tensors as written, and greedy decoding must follow the chain text,
 * which it only does if every Q8_0 / Q4_0 / Q4_K / Q6_K / Q5_0 block was read back as the writer meant it
 * (a 320-wide variant has rows that are not whole 256-value super-blocks: llama.cpp's fall-back types). A layout error that
 * moves values consistently (say, the two nibble halves of a Q4_0 block swapped) would move a token's
 * embedding channel and the output rows that read it alike and leave decoding intact, so the embeddings
 * llama.cpp computes are checked channel by channel too.
 * The full-size models are for `npm run bench -- speed --shape ...`, never the suite.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLlama, GgmlType, LlamaCompletion, LlamaLogLevel, readGgufFileInfo } from "node-llama-cpp";
import type { Llama } from "node-llama-cpp";
import { CHAIN_TEXT, chainWords, SPM_SPACE } from "./support/chain-text.js";
import { matrixType, useMoreBits } from "./support/gguf-quant-mix.js";
import { ensureShapedModel, kvBytesPerContextToken, weightBytesPerToken, writeShapedGguf } from "./support/gguf-shapes.js";
import type { ShapedModelOptions, ShapeQuant, ShapeSizes } from "./support/gguf-shapes.js";

const REDUCED = { blocks: 2, embd: 256, heads: 4, headsKv: 2, ff: 512, vocab: 4096 };
/** The chain text's first 12 whitespace-led words: a prompt that ends between two chain tokens. */
const PROMPT = CHAIN_TEXT.match(/^(?:[ \n]+[^ \n]+){12}/)?.[0] ?? "";

let llama: Llama;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "real-shape-"));
  llama = await getLlama({ gpu: false, build: "never", progressLogs: false, logLevel: LlamaLogLevel.error });
});

afterAll(async () => {
  await llama?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Chain words whose channels (2 + their index) fall in either half of a block and in other blocks. */
const PROBED_WORDS = [1, 17, 30, 47].map((i) => ({ channel: 2 + i, text: (chainWords(CHAIN_TEXT)[i] as string).replaceAll(SPM_SPACE, " ") }));

/**
 * Writes the reduced model, loads it, greedily continues PROMPT, and takes the final hidden state of each
 * probed word: the layers write nothing back, so it is the word's dequantized embedding row.
 */
async function generate(quant: ShapeQuant, reduce: Partial<ShapeSizes>, maxTokens: number) {
  const options: ShapedModelOptions = { shape: "qwen2.5-coder-1.5b", quant, reduce };
  const path = await ensureShapedModel(options, join(dir, `${reduce.embd}`));
  const model = await llama.loadModel({ modelPath: path });
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  const embeddings = await model.createEmbeddingContext({ contextSize: 64, threads: 1 });
  try {
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    const text = await completion.generateCompletion(PROMPT, { maxTokens, temperature: 0 });
    const rows = [];
    for (const word of PROBED_WORDS) rows.push({ ...word, tokens: model.tokenize(word.text).length, vector: [...(await embeddings.getEmbeddingFor(word.text)).vector] });
    return { path, text, rows, info: model.fileInfo, vocabulary: model.fileInfo.metadata.tokenizer.ggml.tokens.length };
  } finally {
    await embeddings.dispose();
    await context.dispose();
    await model.dispose();
  }
}

/** What the chain text says after PROMPT, cycling. */
const continuation = (length: number): string => (CHAIN_TEXT.slice(PROMPT.length) + CHAIN_TEXT.repeat(3)).slice(0, length);

const { F32, Q8_0, Q4_0, Q4_K, Q5_0, Q6_K } = GgmlType;
/** Layer 1 of 2 is one that llama.cpp's Q4_K_M mix gives more bits (use_more_bits: the last eighth). */
const CASES = [
  { quant: "q8_0", reduce: REDUCED, types: { token_embd: Q8_0, output: Q8_0, "blk.1.attn_k": Q8_0, "blk.1.attn_v": Q8_0, "blk.1.ffn_down": Q8_0 } },
  { quant: "q4_0", reduce: REDUCED, types: { token_embd: Q4_0, output: Q4_0, "blk.1.attn_k": Q4_0, "blk.1.attn_v": Q4_0, "blk.1.ffn_down": Q4_0 } },
  { quant: "q4_k", reduce: REDUCED, types: { token_embd: Q4_K, output: Q4_K, "blk.1.attn_k": Q4_K, "blk.1.attn_v": Q4_K, "blk.1.ffn_down": Q4_K } },
  {
    quant: "q4_k_m", reduce: REDUCED,
    types: { token_embd: Q4_K, output: Q6_K, "blk.0.attn_v": Q4_K, "blk.1.attn_v": Q6_K, "blk.0.ffn_down": Q4_K, "blk.1.ffn_down": Q6_K, "blk.1.ffn_up": Q4_K },
  },
  {
    // 320-wide rows are not whole super-blocks: Q4_K falls back to Q5_0, Q6_K (layer 1's attn_v) and the
    // Q4_K_M output matrix to Q8_0; ffn_down's rows are the feed-forward's 512 wide and keep the mix.
    quant: "q4_k_m", reduce: { ...REDUCED, embd: 320 },
    types: { token_embd: Q5_0, output: Q8_0, "blk.1.attn_q": Q5_0, "blk.0.attn_v": Q5_0, "blk.1.attn_v": Q8_0, "blk.0.ffn_down": Q4_K, "blk.1.ffn_down": Q6_K },
  },
] as const;

describe.each(CASES)("a reduced real-shape model, $quant, $reduce.embd wide", ({ quant, reduce, types }) => {
  it("loads as qwen2 with quantized matrices, and greedy decoding follows the text", async () => {
    const { text, rows, info, vocabulary } = await generate(quant, reduce, 80);
    expect(PROMPT.length).toBeGreaterThan(50);
    expect(info.metadata.general.architecture).toBe("qwen2");
    expect(vocabulary).toBe(REDUCED.vocab);
    const written = new Map(info.fullTensorInfo?.map((tensor) => [tensor.name, tensor.ggmlType]));
    expect(Object.fromEntries(Object.keys(types).map((name) => [name, written.get(`${name}.weight`)]))).toEqual(types);
    expect(written.get("blk.1.attn_q.bias")).toBe(F32);
    // 80 tokens run past the text's end and around again: every transition of the chain is taken.
    expect(text.length).toBeGreaterThan(CHAIN_TEXT.length - PROMPT.length);
    expect(text).toBe(continuation(text.length));
    // Each probed word's row holds s = sqrt(width / 2) in the bias channel and its own channel, 0 elsewhere.
    const s = Math.sqrt(reduce.embd / 2);
    for (const row of rows) {
      expect(row.tokens).toBe(1);
      const large = row.vector.flatMap((value, channel) => (Math.abs(value) > s / 2 ? [channel] : []));
      expect({ word: row.text, large }).toEqual({ word: row.text, large: [0, row.channel] });
      expect(row.vector[row.channel]).toBeCloseTo(s, 1);
    }
  });
});

describe("the KV cache a decoded token reads", () => {
  it("grows by kvBytesPerContextToken per token of context, as llama.cpp's saved sequence state does", async () => {
    const options: ShapedModelOptions = { shape: "qwen2.5-coder-1.5b", quant: "q8_0", reduce: REDUCED };
    const model = await llama.loadModel({ modelPath: await ensureShapedModel(options, dir) });
    try {
      const context = await model.createContext({ contextSize: 512, sequences: 1 });
      const sequence = context.getSequence();
      const tokens = model.tokenize(CHAIN_TEXT.repeat(3)).slice(0, 128);
      expect(tokens.length).toBe(128);
      await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, 64));
      const { fileSize: at64 } = await sequence.saveStateToFile(join(dir, "kv-64.bin"));
      await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(64));
      const { fileSize: at128 } = await sequence.saveStateToFile(join(dir, "kv-128.bin"));
      const perToken = (at128 - at64) / 64;
      const expected = kvBytesPerContextToken(options);
      // 2 x 2 blocks x 128 wide x 2 bytes; the file adds a few bytes per token (its id, the cell's position and sequence ids).
      expect(expected).toBe(1024);
      expect(perToken).toBeGreaterThanOrEqual(expected);
      expect(perToken).toBeLessThan(expected + 32);
    } finally {
      await model.dispose();
    }
  }, 120_000);
});

describe("real-shape sizes", () => {
  it("count the bytes a token reads as Qwen2.5-Coder-1.5B's shape implies", () => {
    const q8 = (values: number): number => (values / 32) * 34;
    const layer = q8(1536 * 1536 * 2 + 1536 * 256 * 2 + 1536 * 8960 * 3) + 4 * (1536 * 2 + 1536 + 256 * 2);
    const expected = 28 * layer + q8(151_936 * 1536) + 4 * 1536 + q8(1536);
    expect(weightBytesPerToken({ shape: "qwen2.5-coder-1.5b", quant: "q8_0" })).toBe(expected);
    expect(weightBytesPerToken({ shape: "qwen2.5-coder-1.5b", quant: "q4_0" })).toBeLessThan(expected * 0.6);
  });

  it("count Q4_K and llama.cpp's Q4_K_M mix as a hand count does (1.5B's rows are whole super-blocks)", () => {
    const q4k = (values: number): number => (values / 256) * 144;
    const q6k = (values: number): number => (values / 256) * 210;
    const f32s = 4 * (1536 * 2 + 1536 + 256 * 2);
    const pure = 28 * (q4k(1536 * 1536 * 2 + 1536 * 256 * 2 + 1536 * 8960 * 3) + f32s) + q4k(151_936 * 1536) + 4 * 1536 + q4k(1536);
    expect(weightBytesPerToken({ shape: "qwen2.5-coder-1.5b", quant: "q4_k" })).toBe(pure);
    // use_more_bits over 28 layers: the first 28/8 = 3, from 7 * 28 / 8 = 24 on, and every third between.
    const moreBits = [0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27];
    expect(Array.from({ length: 28 }, (_, layer) => layer).filter((layer) => useMoreBits(layer, 28))).toEqual(moreBits);
    const layer = (more: boolean): number => q4k(1536 * 1536 * 2 + 1536 * 256 + 1536 * 8960 * 2) + (more ? q6k : q4k)(1536 * 256 + 8960 * 1536) + f32s;
    const mix = moreBits.length * layer(true) + (28 - moreBits.length) * layer(false) + q6k(151_936 * 1536) + 4 * 1536 + q4k(1536);
    expect(weightBytesPerToken({ shape: "qwen2.5-coder-1.5b", quant: "q4_k_m" })).toBe(mix);
  });

  it("fall back where rows are not whole super-blocks, as llama.cpp does: Qwen2.5-0.5B's 896-wide rows", () => {
    expect(matrixType("q4_k", "blk.3.attn_q.weight", 896, 24)).toBe("q5_0");
    expect(matrixType("q4_k", "blk.3.ffn_down.weight", 4864, 24)).toBe("q4_k");
    expect(matrixType("q4_k_m", "output.weight", 896, 24)).toBe("q8_0");
    expect(matrixType("q4_k_m", "output.weight", 1536, 28)).toBe("q6_k");
    expect(matrixType("q4_k_m", "blk.0.attn_v.weight", 896, 24)).toBe("q8_0"); // Q6_K's fall-back
    expect(matrixType("q4_k_m", "blk.0.ffn_down.weight", 4864, 24)).toBe("q6_k");
    expect(matrixType("q4_k_m", "blk.4.ffn_down.weight", 4864, 24)).toBe("q4_k");
    expect(matrixType("q8_0", "blk.3.attn_q.weight", 896, 24)).toBe("q8_0");
  });

  it("write repeated rows to exactly the tensors' sizes: the file ends where its last tensor does", async () => {
    const path = join(dir, "sized.gguf");
    // 1,024 rows of feed-forward: the writer draws 64 of them and repeats their encoded bytes.
    await writeShapedGguf(path, { shape: "qwen2.5-coder-0.5b", quant: "q4_0", reduce: { ...REDUCED, ff: 1024 } });
    const info = await readGgufFileInfo(path);
    const last = info.fullTensorInfo?.at(-1);
    if (!last) throw new Error("no tensors read");
    const values = last.dimensions.reduce<number>((a, b) => a * Number(b), 1);
    expect(last.ggmlType).toBe(GgmlType.F32);
    expect((await stat(path)).size).toBe(Number(last.fileOffset) + Math.ceil((4 * values) / 32) * 32);
    const gate = info.fullTensorInfo?.find((tensor) => tensor.name === "blk.0.ffn_gate.weight");
    expect(gate?.dimensions.map(Number)).toEqual([256, 1024]);
  });
});
