/**
 * Writes tiny, deterministic GGUF v3 models (llama architecture, all tensors F32, byte-level SPM
 * vocabulary, ChatML chat template) that node-llama-cpp loads and generates from. No weights can be
 * downloaded on the project's machines, so tests and benchmarks build their models with this.
 *
 * Three kinds of model:
 * - the default: random weights, so the text is noise; what tests rely on is that generation is
 *   deterministic, always printable ASCII, and (by default) never ends by itself (see `outputWeights`);
 * - `vocabularyVariant: "alt"`: the same with a different vocabulary of the same size (gguf-vocab.ts),
 *   for checking that a draft model whose vocabulary differs is refused;
 * - `chainText`: a chain model (gguf-chain-weights.ts, chain-text.ts): greedy decoding follows the
 *   text's tokens in a cycle, so a drafter holding the text is always right and speculation pays off.
 * `ensureTestModel`, `ensureAltVocabModel` and `ensureChainModel` write them under `<repo>/.models`.
 */
import { createHash } from "node:crypto";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { CHAIN_TEXT } from "./chain-text.js";
import { chainChannelsNeeded, chainTensorSpecs } from "./gguf-chain-weights.js";
import { fileHasMetadataEntry, str, writeGgufFile } from "./gguf-file.js";
import type { TensorSpec } from "./gguf-file.js";
import { buildMetadata } from "./gguf-metadata.js";
import type { Dims } from "./gguf-metadata.js";
import { buildChainVocab, buildVocab } from "./gguf-vocab.js";
import type { Vocab, VocabularyVariant } from "./gguf-vocab.js";

export { CHAIN_TEXT } from "./chain-text.js";
export type { VocabularyVariant } from "./gguf-vocab.js";

export interface TinyModelOptions {
  /** Width of the residual stream (n_embd). Default 64 (chain models: the channels the chain needs, rounded up to 32). */
  embeddingLength?: number;
  /** Number of transformer blocks. Default 2. */
  blockCount?: number;
  /** Attention heads; must divide embeddingLength. Default 4. */
  headCount?: number;
  /** KV heads (grouped-query attention); must divide headCount. Default headCount. */
  headCountKv?: number;
  /** Hidden width of the feed-forward network. Default 4 * embeddingLength. */
  feedForwardLength?: number;
  /** Training context length stored in the metadata. Default 2048. */
  contextLength?: number;
  /** PRNG seed for all weights. Default 1. */
  seed?: number;
  /** When true, `<|im_end|>` can be generated, so generation may end by itself. Default false. */
  eosReachable?: boolean;
  /** Stored as general.name. Default DEFAULT_MODEL_NAME (or ALT_MODEL_NAME, CHAIN_MODEL_NAME). */
  name?: string;
  /**
   * "alt": a vocabulary with other pieces, in another order, but as many tokens and the same special
   * and byte tokens as the default (see gguf-vocab.ts). Default "default". Not with chainText.
   */
  vocabularyVariant?: VocabularyVariant;
  /**
   * Makes a chain model: at temperature 0, after any token of this text the model emits the token that
   * follows it in the text (after the last, the first; after any other token, the first), so generation
   * reproduces the text from wherever it is, cycling, for as long as it runs. The text must start with
   * whitespace, end without it, be printable ASCII, and never repeat a whitespace-led word (chain-text.ts
   * says why); CHAIN_TEXT is one. The vocabulary is cut from the text, and embeddingLength must be at
   * least the number of its tokens + 2.
   */
  chainText?: string;
}

/** Bump the version whenever the generated weights change, so cached test models get rewritten. */
const DEFAULT_MODEL_NAME = "spark-tiny-v1";
const ALT_MODEL_NAME = "spark-tiny-alt-v1";
const CHAIN_MODEL_NAME = "spark-chain-v1";

// ---------------------------------------------------------------------------------------------------
// Hyperparameters and metadata

const roundUp = (n: number, step: number): number => Math.ceil(n / step) * step;

function resolveDims(options: TinyModelOptions, vocabSize: number, defaultEmbd: number): Dims {
  const embd = options.embeddingLength ?? defaultEmbd;
  const heads = options.headCount ?? 4;
  const headsKv = options.headCountKv ?? heads;
  if (embd % heads !== 0) throw new Error(`headCount ${heads} must divide embeddingLength ${embd}`);
  if (heads % headsKv !== 0) throw new Error(`headCountKv ${headsKv} must divide headCount ${heads}`);
  if ((embd / heads) % 2 !== 0) throw new Error("head size must be even for RoPE");
  return {
    embd, heads, headsKv, vocab: vocabSize,
    blocks: options.blockCount ?? 2,
    ff: options.feedForwardLength ?? 4 * embd,
    ctx: options.contextLength ?? 2048,
    seed: options.seed ?? 1,
  };
}

// ---------------------------------------------------------------------------------------------------
// Random weights (the default and "alt" models)

/** Uniform values with the given standard deviation (uniform on [-a, a] has std a / sqrt(3)). */
function randomMatrix(rng: () => number, count: number, std: number): Float32Array {
  const out = new Float32Array(count);
  const a = std * Math.sqrt(3);
  for (let i = 0; i < count; i++) out[i] = (rng() * 2 - 1) * a;
  return out;
}

/**
 * Dimension 0 of the residual stream is a constant "bias channel": every token embedding holds the same
 * large value there, no layer writes into it (row 0 of attn_output and ffn_down is zero) and no layer
 * reads it (the block norms weigh it 0). After the final RMS norm it is a large positive constant
 * (about 0.5 to 0.75 of sqrt(n_embd), whatever the depth), so the output row's entry 0 sets a per-token
 * logit offset: +LOGIT_OFFSET for allowed tokens, -LOGIT_OFFSET for forbidden ones, whose rows are
 * otherwise zero. Allowed logits then sit ~2 * LOGIT_OFFSET (scaled) above forbidden ones, far beyond
 * their random spread, so forbidden tokens never win, even at temperature 1.5 with no top-k. A "never"
 * token bias cannot do this job: node-llama-cpp ignores it for end-of-generation tokens.
 */
const BIAS_CHANNEL_RATIO = 0.6; // bias channel value / sqrt(n_embd)
const EMBED_STD = 0.4; // the other embedding dimensions
const LOGIT_OFFSET = 48;
/** Random spread of allowed logits: enough for varied sampling at temperature 1. */
const LOGIT_STD = 4;
/** Residual writes shrink with depth (GPT-2 style) so the bias channel keeps dominating the final norm. */
const residualGain = (d: Dims): number => 0.5 / Math.sqrt(2 * d.blocks);
/** Block norm weight of the non-bias dimensions: undoes the shrinking the bias channel causes in RMS. */
const BLOCK_NORM_GAIN = 1.5;

function embeddingWeights(d: Dims, rng: () => number): Float32Array {
  const out = randomMatrix(rng, d.vocab * d.embd, EMBED_STD);
  for (let t = 0; t < d.vocab; t++) out[t * d.embd] = BIAS_CHANNEL_RATIO * Math.sqrt(d.embd);
  return out;
}

function outputWeights(d: Dims, vocab: Vocab, rng: () => number): Float32Array {
  const out = randomMatrix(rng, d.vocab * d.embd, LOGIT_STD / Math.sqrt(d.embd));
  const offset = LOGIT_OFFSET / Math.sqrt(d.embd);
  for (let t = 0; t < d.vocab; t++) {
    const row = out.subarray(t * d.embd, (t + 1) * d.embd);
    if (vocab.allowed[t]) {
      row[0] = offset;
    } else {
      row.fill(0);
      row[0] = -offset;
    }
  }
  return out;
}

/** Block norms: the layers must not see the bias channel. */
function blockNorm(d: Dims): Float32Array {
  const out = new Float32Array(d.embd).fill(BLOCK_NORM_GAIN);
  out[0] = 0;
  return out;
}

/** A [cols, rows] matrix (GGUF order: ne[0] = input width) scaled by 1 / sqrt(input width). */
function linear(rng: () => number, cols: number, rows: number, gain: number): Float32Array {
  return randomMatrix(rng, cols * rows, gain / Math.sqrt(cols));
}

/** A projection back into the residual stream; its row 0 (the bias channel) stays zero. */
function residualWrite(rng: () => number, cols: number, rows: number, gain: number): Float32Array {
  const out = linear(rng, cols, rows, gain);
  out.fill(0, 0, cols);
  return out;
}

function randomTensorSpecs(d: Dims, vocab: Vocab): TensorSpec[] {
  const kv = (d.embd / d.heads) * d.headsKv;
  const specs: TensorSpec[] = [
    { name: "token_embd.weight", dims: [d.embd, d.vocab], make: (rng) => embeddingWeights(d, rng) },
    { name: "output_norm.weight", dims: [d.embd], make: () => new Float32Array(d.embd).fill(1) },
    { name: "output.weight", dims: [d.embd, d.vocab], make: (rng) => outputWeights(d, vocab, rng) },
  ];
  for (let b = 0; b < d.blocks; b++) {
    const p = `blk.${b}.`;
    specs.push(
      { name: `${p}attn_norm.weight`, dims: [d.embd], make: () => blockNorm(d) },
      { name: `${p}attn_q.weight`, dims: [d.embd, d.embd], make: (rng) => linear(rng, d.embd, d.embd, 1) },
      { name: `${p}attn_k.weight`, dims: [d.embd, kv], make: (rng) => linear(rng, d.embd, kv, 1) },
      { name: `${p}attn_v.weight`, dims: [d.embd, kv], make: (rng) => linear(rng, d.embd, kv, 1) },
      { name: `${p}attn_output.weight`, dims: [d.embd, d.embd], make: (rng) => residualWrite(rng, d.embd, d.embd, residualGain(d)) },
      { name: `${p}ffn_norm.weight`, dims: [d.embd], make: () => blockNorm(d) },
      { name: `${p}ffn_gate.weight`, dims: [d.embd, d.ff], make: (rng) => linear(rng, d.embd, d.ff, 1) },
      { name: `${p}ffn_up.weight`, dims: [d.embd, d.ff], make: (rng) => linear(rng, d.embd, d.ff, 1) },
      { name: `${p}ffn_down.weight`, dims: [d.ff, d.embd], make: (rng) => residualWrite(rng, d.ff, d.embd, residualGain(d)) },
    );
  }
  return specs;
}

// ---------------------------------------------------------------------------------------------------
// Writing

interface ModelPlan {
  vocab: Vocab;
  dims: Dims;
  specs: TensorSpec[];
  name: string;
  spacePrefix: boolean;
}

function planModel(options: TinyModelOptions): ModelPlan {
  const eosReachable = options.eosReachable ?? false;
  if (options.chainText === undefined) {
    const variant = options.vocabularyVariant ?? "default";
    const vocab = buildVocab(eosReachable, variant);
    const dims = resolveDims(options, vocab.tokens.length, 64);
    const name = options.name ?? (variant === "alt" ? ALT_MODEL_NAME : DEFAULT_MODEL_NAME);
    return { vocab, dims, specs: randomTensorSpecs(dims, vocab), name, spacePrefix: true };
  }
  if ((options.vocabularyVariant ?? "default") !== "default") {
    throw new Error("vocabularyVariant does not apply to chain models: their vocabulary is cut from chainText");
  }
  const { vocab, chain } = buildChainVocab(options.chainText, eosReachable);
  const dims = resolveDims(options, vocab.tokens.length, Math.max(64, roundUp(chainChannelsNeeded(chain.length), 32)));
  const name = options.name ?? CHAIN_MODEL_NAME;
  return { vocab, dims, specs: chainTensorSpecs(dims, vocab, chain), name, spacePrefix: false };
}

/** Writes a tiny llama GGUF to `path` (atomically: a temporary file renamed into place). */
export async function writeTinyGguf(path: string, options: TinyModelOptions = {}): Promise<void> {
  const plan = planModel(options);
  const meta = buildMetadata(plan.dims, plan.vocab, plan.name, plan.spacePrefix);
  await writeGgufFile(path, meta, plan.specs, plan.dims.seed);
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MODELS_DIR = join(REPO_ROOT, ".models");

/**
 * Writes the model to `path` unless a model of this name is there already. Names carry a version (and,
 * for chain models, a hash of the text and sizes), so a stale model is rewritten.
 */
async function ensureModel(path: string, options: TinyModelOptions & { name: string }): Promise<string> {
  if (!(await fileHasMetadataEntry(path, "general.name", str(options.name)))) await writeTinyGguf(path, options);
  return path;
}

/** Writes the default model to `<dir>/tiny.gguf` (default `<repo>/.models`) if missing; returns its path. */
export async function ensureTestModel(dir: string = MODELS_DIR): Promise<string> {
  return ensureModel(resolve(dir, "tiny.gguf"), { name: DEFAULT_MODEL_NAME });
}

/**
 * Writes `<dir>/tiny-alt-vocab.gguf`: the default model's sizes and weights with the "alt" vocabulary,
 * which a draft-model pairing with tiny.gguf must refuse. Returns its path.
 */
export async function ensureAltVocabModel(dir: string = MODELS_DIR): Promise<string> {
  return ensureModel(resolve(dir, "tiny-alt-vocab.gguf"), { name: ALT_MODEL_NAME, vocabularyVariant: "alt" });
}

/**
 * Sizes of the two chain models. Both have the same vocabulary, so the small one can draft for the wide
 * one. Their training context is 8,192 tokens so that long generations need no context overflow.
 */
const CHAIN_SIZES = {
  /** For tests: 64 wide (the 59-token chain needs 61 channels), 2 blocks; 0.8 MiB, ~1,000+ tokens/s on one thread. */
  small: { file: "chain.gguf", options: { embeddingLength: 64, blockCount: 2, contextLength: 8192 } },
  /** For benchmarks: 512 wide, 8 blocks, 8 heads; 130 MiB, where verifying a batch of drafts costs far less than its tokens one by one. */
  wide: { file: "chain-wide.gguf", options: { embeddingLength: 512, blockCount: 8, headCount: 8, contextLength: 8192 } },
} as const;

/**
 * Writes the chain model of CHAIN_TEXT to `<dir>/chain.gguf` (default `<repo>/.models`), or with
 * `wide: true` the larger `<dir>/chain-wide.gguf`, if missing or stale; returns its path. At temperature 0
 * either one continues any prefix of CHAIN_TEXT (cut between tokens) with the rest of it, then CHAIN_TEXT
 * again and again. The text tokenizes the same standalone or inside its repetitions (chain-text.ts).
 */
export async function ensureChainModel(options: { wide?: boolean; dir?: string } = {}): Promise<string> {
  const size = CHAIN_SIZES[options.wide ? "wide" : "small"];
  const hash = createHash("sha256").update(JSON.stringify([CHAIN_TEXT, size.options])).digest("hex").slice(0, 12);
  return ensureModel(resolve(options.dir ?? MODELS_DIR, size.file), {
    ...size.options, chainText: CHAIN_TEXT, name: `${CHAIN_MODEL_NAME}-${hash}`,
  });
}
