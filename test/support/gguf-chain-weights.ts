/**
 * Weights of a "chain model": greedy decoding follows a fixed token chain (the tokens of a text, in a
 * cycle; see chain-text.ts), so a speculative drafter that holds the same text is always right, and the
 * speed-up of batch verification can be measured on it.
 *
 * The residual stream is one-hot-like: channel 0 is a constant bias channel, channel 1 stands for every
 * token that is not on the chain, channel 2 + i for the chain's i-th token. Each token embedding holds
 * `s` in channel 0 and `s` in its own channel, s = sqrt(n_embd / 2), so its RMS is exactly 1. Every block
 * reads the stream with random attention and feed-forward weights (so it costs what a real block costs)
 * but writes nothing back: attn_output and ffn_down are zero, so the stream leaves the last block as the
 * embedding went in. With output_norm = 1, the logits are the output matrix applied to the embedding:
 * - row 0 of each output row (the bias channel) gives allowed tokens +ALLOWED_LOGIT and forbidden ones
 *   (control tokens, non-printable bytes) -ALLOWED_LOGIT, as in the random models;
 * - the transition table: output[chain[i + 1]][2 + i] (and output[chain[0]][1], for off-chain tokens)
 *   adds SUCCESSOR_LOGIT, so the successor wins by SUCCESSOR_LOGIT over every other allowed token.
 * The margin survives node-llama-cpp's default repeat penalty (a recent token's positive logit / 1.1 still
 * leaves the successor ~27 above the rest), so even temperature 1 follows the chain: any other token has
 * a probability below e^-27.
 */
import type { TensorSpec } from "./gguf-file.js";
import type { TensorType } from "./gguf-quant.js";
import type { Vocab } from "./gguf-vocab.js";

/** The hyperparameters these weights need (the writer's Dims has them all). */
export interface ChainDims {
  embd: number;
  blocks: number;
  heads: number;
  headsKv: number;
  ff: number;
  vocab: number;
}

/** How the tensors are stored: the llama test models are all F32; the real-shape ones are qwen2, quantized. */
export interface ChainLayout {
  /** Type of the matrices (token_embd, output, attention, feed-forward); norms and biases stay F32. */
  weightType: TensorType;
  /** qwen2 has biases on the Q, K and V projections (zero here: they cost what real ones cost). */
  attentionBias: boolean;
  /**
   * Draw only this many rows of each random (and zero) block matrix and repeat them (TensorSpec.repeatRows):
   * what makes a 1.5B-parameter model quick to write. Undefined: every row drawn.
   */
  repeatRows?: number;
}

const LLAMA_F32: ChainLayout = { weightType: "f32", attentionBias: false };

const ALLOWED_LOGIT = 16;
const SUCCESSOR_LOGIT = 32;
const BIAS_CHANNEL = 0;
const OFF_CHAIN_CHANNEL = 1;
const FIRST_CHAIN_CHANNEL = 2;
/** Values per generated chunk: ~4 MiB of F32, so a 151,936 x 1,536 matrix is never held whole. */
const CHUNK_VALUES = 1 << 20;

/** The smallest embedding length that gives every chain token its own channel. */
export const chainChannelsNeeded = (chainLength: number): number => FIRST_CHAIN_CHANNEL + chainLength;

/** A [cols, rows] matrix yielded a few whole rows at a time; `fill` writes row `r` into a zeroed row. */
function* rowChunks(cols: number, rows: number, fill?: (row: Float32Array, r: number) => void): Generator<Float32Array> {
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_VALUES / cols));
  for (let first = 0; first < rows; first += rowsPerChunk) {
    const count = Math.min(rowsPerChunk, rows - first);
    const chunk = new Float32Array(count * cols);
    if (fill) for (let r = 0; r < count; r++) fill(chunk.subarray(r * cols, (r + 1) * cols), first + r);
    yield chunk;
  }
}

/** Uniform values with standard deviation 1 / sqrt(cols): a plain random linear layer (rows drawn in order). */
function randomLinear(rng: () => number, cols: number, rows: number): Iterable<Float32Array> {
  const a = Math.sqrt(3 / cols);
  return rowChunks(cols, rows, (row) => {
    for (let i = 0; i < row.length; i++) row[i] = (rng() * 2 - 1) * a;
  });
}

export function chainTensorSpecs(d: ChainDims, vocab: Vocab, chain: readonly number[], layout: ChainLayout = LLAMA_F32): TensorSpec[] {
  if (d.embd < chainChannelsNeeded(chain.length)) {
    throw new Error(`a chain of ${chain.length} tokens needs embeddingLength >= ${chainChannelsNeeded(chain.length)}, got ${d.embd}`);
  }
  const channelOf = new Map(chain.map((token, i) => [token, FIRST_CHAIN_CHANNEL + i]));
  if (channelOf.size !== chain.length) throw new Error("chain tokens must be distinct");
  for (const token of chain) if (!vocab.allowed[token]) throw new Error(`chain token ${token} is not generable`);
  const s = Math.sqrt(d.embd / 2);
  const successorOf = new Map(chain.map((token, i) => [chain[(i + 1) % chain.length] as number, FIRST_CHAIN_CHANNEL + i]));

  const embeddings = (): Iterable<Float32Array> => rowChunks(d.embd, d.vocab, (row, t) => {
    row[BIAS_CHANNEL] = s;
    row[channelOf.get(t) ?? OFF_CHAIN_CHANNEL] = s;
  });
  // Output row t: the allowed/forbidden offset, and SUCCESSOR_LOGIT from the channel of the token it follows.
  const output = (): Iterable<Float32Array> => rowChunks(d.embd, d.vocab, (row, t) => {
    row[BIAS_CHANNEL] = (vocab.allowed[t] ? ALLOWED_LOGIT : -ALLOWED_LOGIT) / s;
    const from = successorOf.get(t);
    if (from !== undefined) row[from] = SUCCESSOR_LOGIT / s;
    if (t === chain[0]) row[OFF_CHAIN_CHANNEL] = SUCCESSOR_LOGIT / s;
  });
  const ones = (): Float32Array => new Float32Array(d.embd).fill(1);
  const type = layout.weightType;
  /** A block matrix: every row drawn by `make`, or the first `repeatRows` repeated. */
  const matrix = (name: string, cols: number, rows: number, make: (rng: () => number, rows: number) => Iterable<Float32Array>): TensorSpec => {
    const drawn = Math.min(rows, layout.repeatRows ?? rows);
    return { name, dims: [cols, rows], type, make: (rng) => make(rng, drawn), ...(drawn < rows ? { repeatRows: drawn } : {}) };
  };
  const random = (cols: number) => (rng: () => number, rows: number) => randomLinear(rng, cols, rows);
  const zeros = (cols: number) => (_rng: () => number, rows: number) => rowChunks(cols, rows);

  const kv = (d.embd / d.heads) * d.headsKv;
  const specs: TensorSpec[] = [
    { name: "token_embd.weight", dims: [d.embd, d.vocab], type, make: embeddings },
    { name: "output_norm.weight", dims: [d.embd], make: ones },
    { name: "output.weight", dims: [d.embd, d.vocab], type, make: output },
  ];
  for (let b = 0; b < d.blocks; b++) {
    const p = `blk.${b}.`;
    specs.push(
      { name: `${p}attn_norm.weight`, dims: [d.embd], make: ones },
      matrix(`${p}attn_q.weight`, d.embd, d.embd, random(d.embd)),
      matrix(`${p}attn_k.weight`, d.embd, kv, random(d.embd)),
      matrix(`${p}attn_v.weight`, d.embd, kv, random(d.embd)),
      matrix(`${p}attn_output.weight`, d.embd, d.embd, zeros(d.embd)),
      { name: `${p}ffn_norm.weight`, dims: [d.embd], make: ones },
      matrix(`${p}ffn_gate.weight`, d.embd, d.ff, random(d.embd)),
      matrix(`${p}ffn_up.weight`, d.embd, d.ff, random(d.embd)),
      matrix(`${p}ffn_down.weight`, d.ff, d.embd, zeros(d.ff)),
    );
    if (layout.attentionBias) {
      specs.push(
        { name: `${p}attn_q.bias`, dims: [d.embd], make: () => new Float32Array(d.embd) },
        { name: `${p}attn_k.bias`, dims: [kv], make: () => new Float32Array(kv) },
        { name: `${p}attn_v.bias`, dims: [kv], make: () => new Float32Array(kv) },
      );
    }
  }
  return specs;
}
