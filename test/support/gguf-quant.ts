/**
 * ggml's block quantizations, written the way llama.cpp's reference quantizers write them
 * (ggml-quants.c: quantize_row_q8_0_ref, quantize_row_q4_0_ref), so a model written with them has the
 * byte layout, and the memory traffic per token, of a real quantized GGUF. Only the two types whose
 * layout is simple enough to get right without llama.cpp's code: Q8_0 and Q4_0 (the "pure" Q4 type;
 * Q4_K's super-blocks with 6-bit sub-scales are what most published Q4 files use, and cost about the
 * same bytes per weight: 4.5 bits here, 4.5 there).
 *
 * Q8_0: blocks of 32 values; fp16 scale d = max|x| / 127, then 32 int8 q = round(x / d). 34 bytes.
 * Q4_0: blocks of 32 values; fp16 scale d = m / -8 where m is the value of largest magnitude (sign
 *       kept), then q = min(15, trunc(x / d + 8.5)) as nibbles: byte j holds value j in its low nibble
 *       and value j + 16 in its high nibble; x ≈ (q - 8) * d. 18 bytes.
 */

export type TensorType = "f32" | "q8_0" | "q4_0";

/** ggml_type ids as GGUF stores them. */
export const GGML_TYPE_ID: Record<TensorType, number> = { f32: 0, q4_0: 2, q8_0: 8 };

/** Values per block (QK8_0, QK4_0). */
export const BLOCK_VALUES = 32;

/** Bytes one block of each type takes; F32 counts a "block" of one value. */
const BLOCK_BYTES: Record<TensorType, number> = { f32: 4, q8_0: 2 + BLOCK_VALUES, q4_0: 2 + BLOCK_VALUES / 2 };

/** Bytes `count` values of `type` take on disk (count must be a whole number of blocks for quantized types). */
export function typeBytes(type: TensorType, count: number): number {
  if (type === "f32") return 4 * count;
  if (count % BLOCK_VALUES !== 0) throw new Error(`${type} needs a multiple of ${BLOCK_VALUES} values, got ${count}`);
  return (count / BLOCK_VALUES) * BLOCK_BYTES[type];
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE binary16 bits of `x`, rounded to nearest even as ggml's FP32→FP16 conversion does. */
export function toHalfBits(x: number): number {
  f32Scratch[0] = x;
  const bits = u32Scratch[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  // Normal halves keep 10 of the 23 mantissa bits; subnormal ones shift the implicit 1 in as well.
  const full = halfExponent > 0 ? mantissa : mantissa | 0x800000;
  const shift = halfExponent > 0 ? 13 : 14 - halfExponent;
  if (shift > 24) return sign;
  let half = (halfExponent > 0 ? halfExponent << 10 : 0) | (full >>> shift);
  const rest = full & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  // A carry out of the mantissa moves to the next exponent (up to infinity), which is what rounding means.
  if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
  return sign | half;
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

function writeHalf(out: Uint8Array, offset: number, value: number): void {
  const half = toHalfBits(value);
  out[offset] = half & 0xff;
  out[offset + 1] = half >>> 8;
}

/** An all-zero block stays all zero bytes (d = 0, q = 0), which the freshly allocated output already is. */
function quantizeQ8_0(values: Float32Array, out: Uint8Array): void {
  for (let block = 0, o = 0; block < values.length; block += BLOCK_VALUES, o += BLOCK_BYTES.q8_0) {
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

/** An all-zero block is d = 0 with every nibble 8 (x / d + 8.5 with 1 / d taken as 0). */
function quantizeQ4_0(values: Float32Array, out: Uint8Array): void {
  const halfBlock = BLOCK_VALUES / 2;
  for (let block = 0, o = 0; block < values.length; block += BLOCK_VALUES, o += BLOCK_BYTES.q4_0) {
    const { amax, max } = blockExtreme(values, block);
    if (amax === 0) {
      out.fill(0x88, o + 2, o + 2 + halfBlock);
      continue;
    }
    const d = max / -8;
    const inverse = 1 / d;
    writeHalf(out, o, d);
    for (let j = 0; j < halfBlock; j++) {
      const low = Math.min(15, Math.trunc((values[block + j] as number) * inverse + 8.5));
      const high = Math.min(15, Math.trunc((values[block + halfBlock + j] as number) * inverse + 8.5));
      out[o + 2 + j] = low | (high << 4);
    }
  }
}

/** The bytes of `values` stored as `type` (a fresh buffer; values.length a whole number of blocks). */
export function encodeTensorData(type: TensorType, values: Float32Array): Buffer {
  if (type === "f32") return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.alloc(typeBytes(type, values.length));
  if (type === "q8_0") quantizeQ8_0(values, out);
  else quantizeQ4_0(values, out);
  return out;
}
