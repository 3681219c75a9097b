/**
 * The ggml type of each matrix in a real-shape test model, chosen as llama-quantize chooses it
 * (llama.cpp src/llama-quant.cpp: llama_tensor_get_type_impl, then tensor_type_fallback), for the file
 * types the writer offers:
 * - q8_0, q4_0: every matrix of that type ("pure"; every row of these shapes is a multiple of 32 wide).
 * - q4_k: every matrix Q4_K, as `llama-quantize --pure ... Q4_K_S` writes it.
 * - q4_k_m: llama.cpp's Q4_K_M mix: Q4_K, except output.weight at Q6_K, and attn_v and ffn_down at Q6_K
 *   in the layers use_more_bits picks (the first and last eighth and every third layer between). Here
 *   token_embd stays Q4_K because the test models store the output matrix apart; a model that ties the
 *   two (Qwen2.5-1.5B does) gets Q6_K there as well, for one row read per token.
 * K-quant super-blocks are 256 values, so a row whose width is not a multiple of 256 cannot hold them;
 * llama.cpp then falls back to a 32-value type: Q4_K to Q5_0, Q6_K to Q8_0 (and the Q4_K_M output matrix
 * goes straight to Q8_0). Qwen2.5-0.5B's 896-wide rows, the draft model's, are the case in point.
 */
import { blockValues } from "./gguf-quant.js";
import type { TensorType } from "./gguf-quant.js";

/** Per file type: the matrices' main type and the llama_ftype the file is labelled with. */
const QUANTS = {
  q8_0: { type: "q8_0", fileType: 7 },
  q4_0: { type: "q4_0", fileType: 2 },
  q4_k: { type: "q4_k", fileType: 14 }, // LLAMA_FTYPE_MOSTLY_Q4_K_S, which --pure turns into all Q4_K
  q4_k_m: { type: "q4_k", fileType: 15 }, // LLAMA_FTYPE_MOSTLY_Q4_K_M
} as const satisfies Record<string, { type: TensorType; fileType: number }>;

export type ShapeQuant = keyof typeof QUANTS;
export const SHAPE_QUANTS = Object.keys(QUANTS) as ShapeQuant[];
export const isShapeQuant = (name: string): name is ShapeQuant => Object.hasOwn(QUANTS, name);

/** llama_ftype of a file written with `quant` (general.file_type). */
export const quantFileType = (quant: ShapeQuant): number => QUANTS[quant].fileType;

/** The main matrix type of `quant`, what the writer starts every matrix with before the mix. */
export const quantMainType = (quant: ShapeQuant): TensorType => QUANTS[quant].type;

/** tensor_type_fallback: the 32-value type llama.cpp uses for a K-quant whose rows are not whole super-blocks. */
const FALLBACK: Partial<Record<TensorType, TensorType>> = { q4_k: "q5_0", q6_k: "q8_0" };

function fitted(type: TensorType, cols: number): TensorType {
  if (cols % blockValues(type) === 0) return type;
  return FALLBACK[type] ?? type;
}

/** llama.cpp's use_more_bits(i_layer, n_layers). */
export const useMoreBits = (layer: number, layers: number): boolean =>
  layer < Math.trunc(layers / 8) || layer >= Math.trunc((7 * layers) / 8) || (layer - Math.trunc(layers / 8)) % 3 === 2;

const MORE_BITS_MATRIX = /^blk\.(\d+)\.(?:attn_v|ffn_down)\.weight$/;

/** The type of matrix `name` (rows `cols` wide) in a model of `layers` blocks written as `quant`. */
export function matrixType(quant: ShapeQuant, name: string, cols: number, layers: number): TensorType {
  if (quant !== "q4_k_m") return fitted(QUANTS[quant].type, cols);
  if (name === "output.weight") return cols % blockValues("q6_k") === 0 ? "q6_k" : "q8_0";
  const layer = MORE_BITS_MATRIX.exec(name)?.[1];
  if (layer !== undefined && useMoreBits(Number(layer), layers)) return fitted("q6_k", cols);
  return fitted("q4_k", cols);
}
