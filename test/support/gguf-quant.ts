/**
 * ggml's block quantizations, written the way llama.cpp's reference quantizers write them
 * (ggml-quants.c: quantize_row_q8_0_ref, _q4_0_ref, _q5_0_ref here; the K-quants Q4_K and Q6_K in
 * gguf-kquant.ts), so a model written with them has the byte layout, and the memory traffic per token,
 * of a real quantized GGUF.
 *
 * Q8_0: blocks of 32 values; fp16 scale d = max|x| / 127, then 32 int8 q = round(x / d). 34 bytes.
 * Q4_0: blocks of 32 values; fp16 scale d = m / -8 where m is the value of largest magnitude (sign
 *       kept), then q = min(15, trunc(x / d + 8.5)) as nibbles: byte j holds value j in its low nibble
 *       and value j + 16 in its high nibble; x ≈ (q - 8) * d. 18 bytes.
 * Q5_0: Q4_0 with a fifth bit: d = m / -16, q = min(31, trunc(x / d + 16.5)); the low four bits as in
 *       Q4_0, the fifth bits in a little-endian uint32 after d (bit j for value j, bit j + 16 for value
 *       j + 16); x ≈ (q - 16) * d. 22 bytes. llama.cpp's stand-in for Q4_K in rows not 256 wide.
 */
import { writeHalf } from "./gguf-fp16.js";
import { quantizeQ4_K, quantizeQ6_K, SUPER_BLOCK_VALUES } from "./gguf-kquant.js";

export { toHalfBits } from "./gguf-fp16.js";

export type TensorType = "f32" | "q8_0" | "q4_0" | "q5_0" | "q4_k" | "q6_k";

/** ggml_type ids as GGUF stores them. */
export const GGML_TYPE_ID: Record<TensorType, number> = { f32: 0, q4_0: 2, q5_0: 6, q8_0: 8, q4_k: 12, q6_k: 14 };

/** Values per block of the 32-value types (QK8_0, QK4_0, QK5_0). */
const BLOCK_VALUES = 32;

/** Values per block of each type (F32 counts a "block" of one value), and the bytes one block takes. */
const BLOCKS: Record<TensorType, { values: number; bytes: number }> = {
  f32: { values: 1, bytes: 4 },
  q8_0: { values: BLOCK_VALUES, bytes: 2 + BLOCK_VALUES },
  q4_0: { values: BLOCK_VALUES, bytes: 2 + BLOCK_VALUES / 2 },
  q5_0: { values: BLOCK_VALUES, bytes: 2 + 4 + BLOCK_VALUES / 2 },
  // d and dmin, 12 bytes of 6-bit scales and mins, 4-bit quants.
  q4_k: { values: SUPER_BLOCK_VALUES, bytes: 2 + 2 + 12 + SUPER_BLOCK_VALUES / 2 },
  // 4 low bits, 2 high bits, 16 int8 scales, d.
  q6_k: { values: SUPER_BLOCK_VALUES, bytes: SUPER_BLOCK_VALUES / 2 + SUPER_BLOCK_VALUES / 4 + 16 + 2 },
};

/** How many values one block of `type` holds: a quantized row must be a whole number of them. */
export const blockValues = (type: TensorType): number => BLOCKS[type].values;

/** Bytes `count` values of `type` take on disk (count must be a whole number of blocks). */
export function typeBytes(type: TensorType, count: number): number {
  const { values, bytes } = BLOCKS[type];
  if (count % values !== 0) throw new Error(`${type} needs a multiple of ${values} values, got ${count}`);
  return (count / values) * bytes;
}

/** Largest magnitude in a block, and the value that has it (sign kept; the first on ties, as ggml). */
function blockExtreme(values: Float32Array, start: number): { amax: number; max: number } {
  let amax = 0;
  let max = 0;
  for (let j = start; j < start + BLOCK_VALUES; j++) {
    const v = values[j] as number;
    const magnitude = v < 0 ? -v : v;
    if (magnitude > amax) {
      amax = magnitude;
      max = v;
    }
  }
  return { amax, max };
}

/** An all-zero block stays all zero bytes (d = 0, q = 0), which the freshly allocated output already is. */
function quantizeQ8_0(values: Float32Array, out: Uint8Array): void {
  for (let block = 0, o = 0; block < values.length; block += BLOCK_VALUES, o += BLOCKS.q8_0.bytes) {
    const { amax } = blockExtreme(values, block);
    if (amax === 0) continue;
    const d = amax / 127;
    const inverse = 1 / d;
    writeHalf(out, o, d);
    for (let j = 0; j < BLOCK_VALUES; j++) {
      const v = (values[block + j] as number) * inverse;
      // C's roundf: halves away from zero (Math.round takes -2.5 to -2).
      out[o + 2 + j] = (v < 0 ? -Math.round(-v) : Math.round(v)) & 0xff;
    }
  }
}

/**
 * Q4_0 (bits 4, scale m / -8) and Q5_0 (bits 5, m / -16): d from the value of largest magnitude, then
 * q = min(top, trunc(x / d + half + 0.5)). An all-zero block is d = -0 with every q at the midpoint
 * (x / d + ... with 1 / d taken as 0), as ggml writes it.
 */
function quantizeLegacy(bits: 4 | 5, values: Float32Array, out: Uint8Array): void {
  const half = 1 << (bits - 1);
  const top = (1 << bits) - 1;
  const halfBlock = BLOCK_VALUES / 2;
  const blockBytes = bits === 4 ? BLOCKS.q4_0.bytes : BLOCKS.q5_0.bytes;
  const quantsAt = bits === 4 ? 2 : 6;
  for (let block = 0, o = 0; block < values.length; block += BLOCK_VALUES, o += blockBytes) {
    const { amax, max } = blockExtreme(values, block);
    // An all-zero block gets d = 0 / -half = -0, as ggml's float division gives it: fp16 0x8000.
    const d = max / -half;
    writeHalf(out, o, d);
    const inverse = amax === 0 ? 0 : 1 / d;
    let fifthBits = 0;
    for (let j = 0; j < halfBlock; j++) {
      const low = Math.min(top, Math.trunc((values[block + j] as number) * inverse + half + 0.5));
      const high = Math.min(top, Math.trunc((values[block + halfBlock + j] as number) * inverse + half + 0.5));
      out[o + quantsAt + j] = (low & 0x0f) | ((high & 0x0f) << 4);
      fifthBits |= ((low >>> 4) << j) | ((high >>> 4) << (j + halfBlock));
    }
    if (bits === 5) new DataView(out.buffer, out.byteOffset + o + 2, 4).setUint32(0, fifthBits >>> 0, true);
  }
}

/** The bytes of `values` stored as `type` (a fresh buffer; values.length a whole number of blocks). */
export function encodeTensorData(type: TensorType, values: Float32Array): Buffer {
  if (type === "f32") return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.alloc(typeBytes(type, values.length));
  if (type === "q8_0") quantizeQ8_0(values, out);
  else if (type === "q4_0") quantizeLegacy(4, values, out);
  else if (type === "q5_0") quantizeLegacy(5, values, out);
  else if (type === "q4_k") quantizeQ4_K(values, out);
  else quantizeQ6_K(values, out);
  return out;
}
