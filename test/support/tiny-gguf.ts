/**
 * Writes tiny, deterministic GGUF v3 models (llama architecture, all tensors F32, byte-level SPM
 * vocabulary, ChatML chat template) that node-llama-cpp loads and generates from. No weights can be
 * downloaded on the project's machines, so tests and benchmarks build their models with this.
 *
 * The weights are random, so the text is noise; what tests rely on is that generation is deterministic,
 * always printable ASCII, and (by default) never ends by itself. See `outputWeights` for how that is forced.
 */
import { mkdir, open, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface TinyModelOptions {
  /** Width of the residual stream (n_embd). Default 64. */
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
  /** Stored as general.name. Default DEFAULT_MODEL_NAME. */
  name?: string;
}

/** Bump the version whenever the generated weights change, so cached test models get rewritten. */
const DEFAULT_MODEL_NAME = "spark-tiny-v1";
const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const GGUF_VERSION = 3;
const ALIGNMENT = 32;
const GGML_TYPE_F32 = 0;

/** GGUF metadata value types (gguf_type in ggml). */
const enum ValueType { Uint32 = 4, Int32 = 5, Float32 = 6, Bool = 7, String = 8, Array = 9 }
/** llama.cpp token types (llama_token_type). */
const enum TokenType { Normal = 1, Unknown = 2, Control = 3, Byte = 6 }

type MetaValue =
  | { type: ValueType.Uint32 | ValueType.Int32 | ValueType.Float32; value: number }
  | { type: ValueType.Bool; value: boolean }
  | { type: ValueType.String; value: string }
  | { type: ValueType.Array; itemType: ValueType.String; value: readonly string[] }
  | { type: ValueType.Array; itemType: ValueType.Int32 | ValueType.Float32; value: readonly number[] };

const u32 = (value: number): MetaValue => ({ type: ValueType.Uint32, value });
const f32 = (value: number): MetaValue => ({ type: ValueType.Float32, value });
const str = (value: string): MetaValue => ({ type: ValueType.String, value });

// ---------------------------------------------------------------------------------------------------
// Vocabulary

const SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"] as const;
const UNK_ID = 0;
const BOS_ID = 1;
const EOS_ID = 2;
const IM_END_ID = 4;

/**
 * Common pieces so SPM tokenization is not purely bytes. SPM merges pairs of adjacent symbols only when
 * the concatenation is itself a token, so every prefix (of 2+ characters) of a piece is added too;
 * otherwise a long piece could never be reached. "▁" is SPM's escaped space.
 */
const COMMON_PIECES = [
  "▁", "▁the", "▁function", "▁return", "▁const", "▁let", "▁if", "▁else", "▁for", "▁import", "▁export",
  "▁from", "▁class", "▁new", "▁this", "▁to", "▁of", "▁and", "▁in", "▁is", "▁a", "▁that", "▁it", "▁with",
  "▁as", "▁on", "▁true", "▁false", "▁null", "▁string", "▁number", "ing", "ion", "ed", "er", "es", "en",
  "re", "th", "st", "▁=", "▁{", "▁}", "();", "▁=>",
];

interface Vocab {
  tokens: string[];
  scores: number[];
  types: number[];
  /** Per token id: may the model generate it? (See outputWeights.) */
  allowed: boolean[];
}

function byteToken(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
}

/** Printable ASCII and "\n": the only bytes a generated text may contain. */
function isAllowedByte(byte: number): boolean {
  return (byte >= 0x20 && byte <= 0x7e) || byte === 0x0a;
}

function piecesWithPrefixes(): string[] {
  const out = new Set<string>();
  for (const piece of COMMON_PIECES) {
    const chars = [...piece];
    for (let end = Math.min(2, chars.length); end <= chars.length; end++) out.add(chars.slice(0, end).join(""));
  }
  return [...out];
}

function buildVocab(eosReachable: boolean): Vocab {
  const vocab: Vocab = { tokens: [], scores: [], types: [], allowed: [] };
  const add = (text: string, type: TokenType, score: number, allowed: boolean): void => {
    vocab.tokens.push(text);
    vocab.types.push(type);
    vocab.scores.push(score);
    vocab.allowed.push(allowed);
  };
  SPECIAL_TOKENS.forEach((text, id) => {
    const type = id === UNK_ID ? TokenType.Unknown : TokenType.Control;
    add(text, type, 0, eosReachable && id === IM_END_ID);
  });
  for (let byte = 0; byte < 256; byte++) add(byteToken(byte), TokenType.Byte, 0, isAllowedByte(byte));
  // Longer pieces get higher scores so SPM prefers the longest merge.
  for (const piece of piecesWithPrefixes()) add(piece, TokenType.Normal, [...piece].length - 10, true);
  return vocab;
}

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// ---------------------------------------------------------------------------------------------------
// Hyperparameters and metadata

interface Dims {
  embd: number;
  blocks: number;
  heads: number;
  headsKv: number;
  ff: number;
  ctx: number;
  vocab: number;
  seed: number;
}

function resolveDims(options: TinyModelOptions, vocabSize: number): Dims {
  const embd = options.embeddingLength ?? 64;
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

function buildMetadata(d: Dims, vocab: Vocab, name: string): Array<[string, MetaValue]> {
  return [
    ["general.architecture", str("llama")],
    ["general.name", str(name)],
    ["general.alignment", u32(ALIGNMENT)],
    ["general.file_type", u32(0)], // LLAMA_FTYPE_ALL_F32
    ["llama.vocab_size", u32(d.vocab)],
    ["llama.context_length", u32(d.ctx)],
    ["llama.embedding_length", u32(d.embd)],
    ["llama.block_count", u32(d.blocks)],
    ["llama.feed_forward_length", u32(d.ff)],
    ["llama.attention.head_count", u32(d.heads)],
    ["llama.attention.head_count_kv", u32(d.headsKv)],
    ["llama.rope.dimension_count", u32(d.embd / d.heads)],
    ["llama.rope.freq_base", f32(10000)],
    ["llama.attention.layer_norm_rms_epsilon", f32(1e-5)],
    ["tokenizer.ggml.model", str("llama")],
    ["tokenizer.ggml.tokens", { type: ValueType.Array, itemType: ValueType.String, value: vocab.tokens }],
    ["tokenizer.ggml.scores", { type: ValueType.Array, itemType: ValueType.Float32, value: vocab.scores }],
    ["tokenizer.ggml.token_type", { type: ValueType.Array, itemType: ValueType.Int32, value: vocab.types }],
    ["tokenizer.ggml.bos_token_id", u32(BOS_ID)],
    ["tokenizer.ggml.eos_token_id", u32(EOS_ID)],
    ["tokenizer.ggml.unknown_token_id", u32(UNK_ID)],
    ["tokenizer.ggml.add_bos_token", { type: ValueType.Bool, value: true }],
    ["tokenizer.ggml.add_eos_token", { type: ValueType.Bool, value: false }],
    ["tokenizer.chat_template", str(CHATML_TEMPLATE)],
  ];
}

// ---------------------------------------------------------------------------------------------------
// Weights

/** mulberry32: tiny, fast, and identical on every platform, which is all determinism needs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each tensor gets its own stream (seed mixed with the name), so tensors are independent of order. */
function tensorRng(seed: number, name: string): () => number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return prng(h);
}

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

interface TensorSpec {
  name: string;
  /** GGUF/ggml order: dims[0] is the contiguous (innermost) dimension. */
  dims: number[];
  make: (rng: () => number) => Float32Array;
}

function tensorSpecs(d: Dims, vocab: Vocab): TensorSpec[] {
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
// Serialization

/** Little-endian append-only byte builder for the header (metadata and tensor infos). */
class ByteWriter {
  private readonly chunks: Buffer[] = [];
  length = 0;

  private push(buf: Buffer): void {
    this.chunks.push(buf);
    this.length += buf.length;
  }
  u32(v: number): void { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.push(b); }
  i32(v: number): void { const b = Buffer.alloc(4); b.writeInt32LE(v); this.push(b); }
  u64(v: number): void { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  f32(v: number): void { const b = Buffer.alloc(4); b.writeFloatLE(v); this.push(b); }
  u8(v: number): void { this.push(Buffer.from([v])); }
  string(s: string): void { const b = Buffer.from(s, "utf8"); this.u64(b.length); this.push(b); }
  zeros(n: number): void { this.push(Buffer.alloc(n)); }
  toBuffer(): Buffer { return Buffer.concat(this.chunks); }
}

function writeScalar(w: ByteWriter, type: ValueType, value: number | boolean | string): void {
  if (type === ValueType.Uint32) w.u32(value as number);
  else if (type === ValueType.Int32) w.i32(value as number);
  else if (type === ValueType.Float32) w.f32(value as number);
  else if (type === ValueType.Bool) w.u8(value ? 1 : 0);
  else if (type === ValueType.String) w.string(value as string);
  else throw new Error(`unsupported scalar type ${type}`);
}

function writeMeta(w: ByteWriter, key: string, meta: MetaValue): void {
  w.string(key);
  w.u32(meta.type);
  if (meta.type !== ValueType.Array) return writeScalar(w, meta.type, meta.value);
  w.u32(meta.itemType);
  w.u64(meta.value.length);
  for (const item of meta.value) writeScalar(w, meta.itemType, item);
}

const alignUp = (n: number): number => Math.ceil(n / ALIGNMENT) * ALIGNMENT;
const tensorBytes = (spec: TensorSpec): number => 4 * spec.dims.reduce((a, b) => a * b, 1);

function buildHeader(meta: Array<[string, MetaValue]>, specs: TensorSpec[]): Buffer {
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(specs.length);
  w.u64(meta.length);
  for (const [key, value] of meta) writeMeta(w, key, value);
  let offset = 0; // relative to the start of the (aligned) data section
  for (const spec of specs) {
    w.string(spec.name);
    w.u32(spec.dims.length);
    for (const dim of spec.dims) w.u64(dim);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset = alignUp(offset + tensorBytes(spec));
  }
  w.zeros(alignUp(w.length) - w.length);
  return w.toBuffer();
}

/** Tensors are generated and written one at a time so wide models never sit in memory whole. */
async function writeTensors(file: FileHandle, specs: TensorSpec[], seed: number): Promise<void> {
  for (const spec of specs) {
    const data = spec.make(tensorRng(seed, spec.name));
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await file.write(bytes);
    const pad = alignUp(bytes.length) - bytes.length;
    if (pad > 0) await file.write(Buffer.alloc(pad));
  }
}

/** Writes a tiny llama GGUF to `path` (atomically: a temporary file renamed into place). */
export async function writeTinyGguf(path: string, options: TinyModelOptions = {}): Promise<void> {
  const vocab = buildVocab(options.eosReachable ?? false);
  const dims = resolveDims(options, vocab.tokens.length);
  const specs = tensorSpecs(dims, vocab);
  const header = buildHeader(buildMetadata(dims, vocab, options.name ?? DEFAULT_MODEL_NAME), specs);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const file = await open(tmp, "w");
  try {
    await file.write(header);
    await writeTensors(file, specs, dims.seed);
  } catch (error) {
    await file.close();
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await file.close();
  await rename(tmp, path);
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** True when `path` holds a model written by this version of the generator (the name sits in the header). */
async function isCurrentModel(path: string): Promise<boolean> {
  const file = await open(path, "r").catch(() => undefined);
  if (!file) return false;
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead).includes(DEFAULT_MODEL_NAME);
  } finally {
    await file.close();
  }
}

/** Writes the default model to `<dir>/tiny.gguf` (default `<repo>/.models`) if missing; returns its path. */
export async function ensureTestModel(dir: string = join(REPO_ROOT, ".models")): Promise<string> {
  const path = resolve(dir, "tiny.gguf");
  if (!(await isCurrentModel(path))) await writeTinyGguf(path);
  return path;
}
