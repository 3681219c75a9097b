/**
 * IEEE binary16 both ways, as ggml converts (GGML_FP32_TO_FP16 rounds to nearest even; GGML_FP16_TO_FP32
 * is exact). The block quantizers store their scales in it, and the K-quantizers read a stored scale back
 * before choosing the quants, exactly as ggml's reference quantizers do, so the quants fit the scale the
 * file holds and not the one that was computed.
 */

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

/** The number binary16 `bits` stand for (ggml's GGML_FP16_TO_FP32). */
export function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Stores `value` as a little-endian binary16 at `offset`; returns the value the file now holds. */
export function writeHalf(out: Uint8Array, offset: number, value: number): number {
  const half = toHalfBits(value);
  out[offset] = half & 0xff;
  out[offset + 1] = half >>> 8;
  return fromHalfBits(half);
}
