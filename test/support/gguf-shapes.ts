/**
 * Chain models of a real model's shape: the qwen2 architecture with Qwen2.5-Coder-1.5B's sizes (and the
 * 0.5B model's, its natural draft model), quantized weights in ggml's block layout (gguf-quant.ts), and
 * the chain weights of gguf-chain-weights.ts, so greedy decoding follows CHAIN_TEXT. Such a model reads
 * as many bytes per token as the real one, which is what decides its speed on a CPU: the values of the
 * weights change nothing in a quantized matrix product's cost, only the shapes and types do.
 *
 * What is not real: the tokenizer is the chain's byte-level SPM vocabulary padded with unused tokens to
 * the real 151,936 (the real model uses byte-level BPE; tokenizing costs differ, decoding costs do not),
 * the output matrix is stored untied (Qwen2.5-1.5B ties it to the embeddings: the same bytes are read per
 * token either way, the file is larger). Every matrix has the chosen type ("pure", as llama.cpp's
 * `--pure` quantization) except in q4_k_m, llama.cpp's Q4_K_M mix of Q4_K and Q6_K, what most published
 * Q4 files are (gguf-quant-mix.ts, with llama.cpp's fall-back for rows not a multiple of 256 wide).
 */
import { createHash } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CHAIN_TEXT } from "./chain-text.js";
import { chainTensorSpecs } from "./gguf-chain-weights.js";
import { fileHasMetadataEntry, str, writeGgufFile } from "./gguf-file.js";
import type { TensorSpec } from "./gguf-file.js";
import { buildMetadata } from "./gguf-metadata.js";
import type { Dims } from "./gguf-metadata.js";
import { typeBytes } from "./gguf-quant.js";
import { isShapeQuant, matrixType, quantFileType, quantMainType, SHAPE_QUANTS } from "./gguf-quant-mix.js";
import type { ShapeQuant } from "./gguf-quant-mix.js";
import { buildChainVocab, padVocab } from "./gguf-vocab.js";
import type { Vocab } from "./gguf-vocab.js";

/** The sizes of the real models (their config.json). */
export const SHAPES = {
  "qwen2.5-coder-1.5b": { embd: 1536, blocks: 28, heads: 12, headsKv: 2, ff: 8960, vocab: 151_936, ctx: 32_768 },
  "qwen2.5-coder-0.5b": { embd: 896, blocks: 24, heads: 14, headsKv: 2, ff: 4864, vocab: 151_936, ctx: 32_768 },
} as const;

export type ShapeName = keyof typeof SHAPES;
export { isShapeQuant, SHAPE_QUANTS };
export type { ShapeQuant };
export type ShapeSizes = { [K in keyof (typeof SHAPES)[ShapeName]]: number };

/** The draft model written with each target shape: the same vocabulary, a third of the bytes per token. */
export const DRAFT_SHAPE: Record<ShapeName, ShapeName> = {
  "qwen2.5-coder-1.5b": "qwen2.5-coder-0.5b",
  "qwen2.5-coder-0.5b": "qwen2.5-coder-0.5b",
};

export const isShapeName = (name: string): name is ShapeName => Object.hasOwn(SHAPES, name);

export interface ShapedModelOptions {
  shape: ShapeName;
  quant: ShapeQuant;
  /** Smaller sizes through the same code (tests): fewer blocks, a smaller vocabulary, a narrower model. */
  reduce?: Partial<ShapeSizes>;
}

/** Bump when the generated weights change, so cached models get rewritten. */
const SHAPED_MODEL_VERSION = "spark-shape-v1";
/** Rows drawn per random block matrix, then repeated (see ChainLayout.repeatRows). */
const REPEAT_ROWS = 64;

interface ShapedPlan {
  dims: Dims;
  vocab: Vocab;
  specs: TensorSpec[];
  name: string;
}

function planShaped(options: ShapedModelOptions): ShapedPlan {
  const sizes: ShapeSizes = { ...SHAPES[options.shape], ...options.reduce };
  const { embd, heads, headsKv } = sizes;
  if (embd % heads !== 0 || heads % headsKv !== 0) throw new Error(`heads ${heads}/${headsKv} must divide width ${embd}`);
  const { vocab: chainVocab, chain } = buildChainVocab(CHAIN_TEXT, false);
  const vocab = padVocab(chainVocab, sizes.vocab);
  const dims: Dims = { ...sizes, seed: 1 };
  const hash = createHash("sha256").update(JSON.stringify([CHAIN_TEXT, sizes, options.quant])).digest("hex").slice(0, 12);
  const layout = { weightType: quantMainType(options.quant), attentionBias: true, repeatRows: REPEAT_ROWS };
  const specs = chainTensorSpecs(dims, vocab, chain, layout).map((spec) =>
    spec.type === undefined ? spec : { ...spec, type: matrixType(options.quant, spec.name, spec.dims[0] as number, sizes.blocks) });
  return { dims, vocab, specs, name: `${SHAPED_MODEL_VERSION}-${options.shape}-${options.quant}-${hash}` };
}

/** Writes the model to `path` (atomically, streaming: at most a few MiB of weights in memory at once). */
export async function writeShapedGguf(path: string, options: ShapedModelOptions): Promise<void> {
  const plan = planShaped(options);
  const meta = buildMetadata(plan.dims, plan.vocab, plan.name, false, {
    arch: "qwen2", fileType: quantFileType(options.quant), ropeFreqBase: 1_000_000, rmsEpsilon: 1e-6,
  });
  await writeGgufFile(path, meta, plan.specs, plan.dims.seed);
}

/**
 * Bytes of weights one decoded token reads: every tensor once (the output matrix is a tensor of its own
 * here, not tied to the embeddings), except the embedding matrix, of which a token reads its own row. The
 * KV cache adds kvBytesPerContextToken per token already in the context.
 */
export function weightBytesPerToken(options: ShapedModelOptions): number {
  const { specs, dims } = planShaped(options);
  let bytes = 0;
  for (const spec of specs) {
    const count = spec.dims.reduce((a, b) => a * b, 1);
    bytes += spec.name === "token_embd.weight" ? typeBytes(spec.type ?? "f32", dims.embd) : typeBytes(spec.type ?? "f32", count);
  }
  return bytes;
}

/**
 * Bytes of KV cache one decoded token reads per token of context: keys and values (F16, node-llama-cpp's
 * default) of every block, KV width each: 28 KiB at 1.5B's shape, so 10 MB at a 350-token context, under 1%
 * of ~1.6 GB of Q8_0 weights.
 */
export function kvBytesPerContextToken(options: Pick<ShapedModelOptions, "shape" | "reduce">): number {
  const { embd, blocks, heads, headsKv }: ShapeSizes = { ...SHAPES[options.shape], ...options.reduce };
  return 2 * blocks * (embd / heads) * headsKv * 2;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** `<repo>/.models/<shape>-<quant>.gguf` unless `dir` says otherwise. */
export function shapedModelPath(options: ShapedModelOptions, dir: string = join(REPO_ROOT, ".models")): string {
  return resolve(dir, `${options.shape}-${options.quant}${options.reduce ? "-reduced" : ""}.gguf`);
}

/** Writes the model unless a model of this name (version, sizes, text, type) is there already; returns its path. */
export async function ensureShapedModel(options: ShapedModelOptions, dir?: string): Promise<string> {
  const path = shapedModelPath(options, dir);
  if (!(await fileHasMetadataEntry(path, "general.name", str(planShaped(options).name)))) await writeShapedGguf(path, options);
  return path;
}
