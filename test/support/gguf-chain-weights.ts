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

const ALLOWED_LOGIT = 16;
const SUCCESSOR_LOGIT = 32;
const BIAS_CHANNEL = 0;
const OFF_CHAIN_CHANNEL = 1;
const FIRST_CHAIN_CHANNEL = 2;

/** The smallest embedding length that gives every chain token its own channel. */
export const chainChannelsNeeded = (chainLength: number): number => FIRST_CHAIN_CHANNEL + chainLength;

/** Uniform values with standard deviation 1 / sqrt(cols): a plain random linear layer. */
function randomLinear(rng: () => number, cols: number, rows: number): Float32Array {
  const out = new Float32Array(cols * rows);
  const a = Math.sqrt(3 / cols);
  for (let i = 0; i < out.length; i++) out[i] = (rng() * 2 - 1) * a;
  return out;
}

export function chainTensorSpecs(d: ChainDims, vocab: Vocab, chain: readonly number[]): TensorSpec[] {
  if (d.embd < chainChannelsNeeded(chain.length)) {
    throw new Error(`a chain of ${chain.length} tokens needs embeddingLength >= ${chainChannelsNeeded(chain.length)}, got ${d.embd}`);
  }
  const channelOf = new Map(chain.map((token, i) => [token, FIRST_CHAIN_CHANNEL + i]));
  if (channelOf.size !== chain.length) throw new Error("chain tokens must be distinct");
  for (const token of chain) if (!vocab.allowed[token]) throw new Error(`chain token ${token} is not generable`);
  const s = Math.sqrt(d.embd / 2);

  const embeddings = (): Float32Array => {
    const out = new Float32Array(d.vocab * d.embd);
    for (let t = 0; t < d.vocab; t++) {
      out[t * d.embd + BIAS_CHANNEL] = s;
      out[t * d.embd + (channelOf.get(t) ?? OFF_CHAIN_CHANNEL)] = s;
    }
    return out;
  };
  const output = (): Float32Array => {
    const out = new Float32Array(d.vocab * d.embd);
    for (let t = 0; t < d.vocab; t++) out[t * d.embd + BIAS_CHANNEL] = (vocab.allowed[t] ? ALLOWED_LOGIT : -ALLOWED_LOGIT) / s;
    const successorOf = (channel: number, next: number): void => { out[next * d.embd + channel] = SUCCESSOR_LOGIT / s; };
    chain.forEach((_, i) => successorOf(FIRST_CHAIN_CHANNEL + i, chain[(i + 1) % chain.length] as number));
    successorOf(OFF_CHAIN_CHANNEL, chain[0] as number);
    return out;
  };
  const ones = (): Float32Array => new Float32Array(d.embd).fill(1);
  const zeros = (count: number) => (): Float32Array => new Float32Array(count);

  const kv = (d.embd / d.heads) * d.headsKv;
  const specs: TensorSpec[] = [
    { name: "token_embd.weight", dims: [d.embd, d.vocab], make: embeddings },
    { name: "output_norm.weight", dims: [d.embd], make: ones },
    { name: "output.weight", dims: [d.embd, d.vocab], make: output },
  ];
  for (let b = 0; b < d.blocks; b++) {
    const p = `blk.${b}.`;
    specs.push(
      { name: `${p}attn_norm.weight`, dims: [d.embd], make: ones },
      { name: `${p}attn_q.weight`, dims: [d.embd, d.embd], make: (rng) => randomLinear(rng, d.embd, d.embd) },
      { name: `${p}attn_k.weight`, dims: [d.embd, kv], make: (rng) => randomLinear(rng, d.embd, kv) },
      { name: `${p}attn_v.weight`, dims: [d.embd, kv], make: (rng) => randomLinear(rng, d.embd, kv) },
      { name: `${p}attn_output.weight`, dims: [d.embd, d.embd], make: zeros(d.embd * d.embd) },
      { name: `${p}ffn_norm.weight`, dims: [d.embd], make: ones },
      { name: `${p}ffn_gate.weight`, dims: [d.embd, d.ff], make: (rng) => randomLinear(rng, d.embd, d.ff) },
      { name: `${p}ffn_up.weight`, dims: [d.embd, d.ff], make: (rng) => randomLinear(rng, d.embd, d.ff) },
      { name: `${p}ffn_down.weight`, dims: [d.ff, d.embd], make: zeros(d.ff * d.embd) },
    );
  }
  return specs;
}
