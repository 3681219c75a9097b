/**
 * ggml's K-quants Q4_K and Q6_K, written as llama.cpp's reference quantizers write them
 * (ggml-quants.c: quantize_row_q4_K_ref and quantize_row_q6_K_ref with their helpers make_qkx2_quants and
 * make_qx_quants; what llama-quantize runs when it has no importance matrix). Both work on super-blocks of
 * 256 values (QK_K) split into sub-blocks that each get a scale, itself quantized against one fp16 scale
 * per super-block. Every step is rounded to binary32 as ggml's float code rounds it, so the bytes are
 * ggml's own, ties included (test/gguf-kquant.test.ts holds them to the engine's libggml).
 *
 * Q4_K, 144 bytes: fp16 d, fp16 dmin, 12 bytes of eight 6-bit scales and eight 6-bit mins, 128 bytes of
 *   4-bit quants. Sub-block j (32 values) decodes as x = d * scale_j * q - dmin * min_j. Scales and mins of
 *   sub-blocks 0-3 sit in the low 6 bits of bytes j and j + 4; those of 4-7 keep their low 4 bits in byte
 *   j + 4 (scale low nibble, min high nibble) and their top 2 bits in the top 2 bits of bytes j - 4
 *   (scale) and j (min). Quant bytes come in 4 runs of 32, one per pair of sub-blocks: byte l of run g
 *   holds value 64g + l in its low nibble and value 64g + 32 + l in its high nibble.
 * Q6_K, 210 bytes: 128 bytes of low 4 bits, 64 bytes of high 2 bits, 16 int8 scales, fp16 d. Sub-block j
 *   (16 values) decodes as x = d * scale_j * (q - 32). Each half of 128 values has 64 low bytes and 32
 *   high bytes: low byte l holds values l (low nibble) and l + 64 (high nibble), low byte 32 + l values
 *   l + 32 and l + 96; high byte l holds the top 2 bits of values l, l + 32, l + 64, l + 96 (bits 0-1,
 *   2-3, 4-5, 6-7).
 */
import { writeHalf } from "./gguf-fp16.js";

/** QK_K: values per super-block. */
export const SUPER_BLOCK_VALUES = 256;

const Q4K_SUB = 32;
const Q4K_LEVELS = 15;
const Q4K_BYTES = 144;
const Q4K_SCALES_AT = 4;
const Q4K_QUANTS_AT = 16;
/** 6-bit scales and mins: both are quantized to 0..63 of the super-block's largest. */
const SIX_BITS = 63;

const Q6K_SUB = 16;
/** Q6_K quants are -32..31, stored + 32. */
const Q6K_HALF = 32;
const Q6K_BYTES = 210;
const Q6K_HIGH_AT = 128;
const Q6K_SCALES_AT = 192;
const Q6K_D_AT = 208;
/** ggml's GROUP_MAX_EPS: a group whose largest magnitude is below it counts as all zero. */
const GROUP_MAX_EPS = 1e-15;

/** Every step rounded to binary32, as ggml's float arithmetic rounds it: ties fall as they fall there. */
const f = Math.fround;
/** ggml's 0.1f. */
const TENTH = f(0.1);

/** ggml's nearest_int: round to nearest, ties to even (it adds 1.5 * 2^23 to a float). */
function nearestInt(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

const clamp = (value: number, low: number, high: number): number => (value < low ? low : value > high ? high : value);

function isZero(values: Float32Array, start: number, count: number): boolean {
  for (let i = start; i < start + count; i++) if (values[i] !== 0) return false;
  return true;
}

/** Scratch for one super-block: quants, a candidate's quants, weights, sub-block scales and mins. */
const quants = new Uint8Array(SUPER_BLOCK_VALUES);
const candidate = new Uint8Array(Q4K_SUB);
const weights = new Float64Array(Q4K_SUB);
const subScales = new Float64Array(SUPER_BLOCK_VALUES / Q6K_SUB);
const subMins = new Float64Array(SUPER_BLOCK_VALUES / Q4K_SUB);

/** Sum of w (scale * q + min - x)^2 over a sub-block: the weighted error a fit would leave. */
function fitError(x: Float32Array, start: number, q: Uint8Array, qStart: number, scale: number, min: number): number {
  let error = 0;
  for (let i = 0; i < Q4K_SUB; i++) {
    const diff = f(f(f(scale * (q[qStart + i] as number)) + min) - (x[start + i] as number));
    error = f(error + f((weights[i] as number) * f(diff * diff)));
  }
  return error;
}

/**
 * One grid of make_qkx2_quants: quantize with `inverse` (into `candidate`), then the weighted
 * least-squares scale and min for those quants (min kept <= 0); returns them and the error they leave.
 */
function gridFit(x: Float32Array, start: number, min: number, inverse: number, sumW: number, sumX: number): { scale: number; min: number; error: number } | undefined {
  let sumL = 0;
  let sumL2 = 0;
  let sumXL = 0;
  for (let i = 0; i < Q4K_SUB; i++) {
    const v = x[start + i] as number;
    const l = clamp(nearestInt(f(inverse * f(v - min))), 0, Q4K_LEVELS);
    candidate[i] = l;
    const wl = f((weights[i] as number) * l);
    sumL = f(sumL + wl);
    sumL2 = f(sumL2 + f(wl * l));
    sumXL = f(sumXL + f(wl * v));
  }
  const det = f(f(sumW * sumL2) - f(sumL * sumL));
  if (det <= 0) return undefined;
  let scale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / det);
  let offset = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / det);
  if (offset > 0) {
    offset = 0;
    scale = f(sumXL / sumL2);
  }
  return { scale, min: offset, error: fitError(x, start, candidate, 0, scale, offset) };
}

/**
 * make_qkx2_quants(32, 15, ..., rmin -1, rdelta 0.1, nstep 20, use_mad false): x ≈ scale * q + min with
 * q in 0..15 and min <= 0; first the plain min/max grid, then 21 grids a little finer or coarser, each
 * refitted by weighted least squares, keeping whichever leaves the least weighted squared error. Writes
 * the quants to `quants` at `qStart`; returns the scale and -min (what Q4_K stores: a positive min).
 */
function fitAffine(x: Float32Array, start: number, qStart: number): { scale: number; min: number } {
  let min = x[start] as number;
  let max = min;
  let sumW = 0;
  let sumX = 0;
  for (let i = 0; i < Q4K_SUB; i++) {
    const v = x[start + i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
    sumW = f(sumW + (weights[i] as number));
    sumX = f(sumX + f((weights[i] as number) * v));
  }
  if (min > 0) min = 0;
  if (max === min) {
    quants.fill(0, qStart, qStart + Q4K_SUB);
    return { scale: 0, min: -min };
  }
  const inverse = f(Q4K_LEVELS / f(max - min));
  let scale = f(1 / inverse);
  for (let i = 0; i < Q4K_SUB; i++) quants[qStart + i] = clamp(nearestInt(f(inverse * f((x[start + i] as number) - min))), 0, Q4K_LEVELS);
  let bestError = fitError(x, start, quants, qStart, scale, min);
  // As in ggml, a better fit's min becomes the origin of the grids after it.
  for (let step = 0; step <= 20; step++) {
    const fit = gridFit(x, start, min, f(f(f(-1 + f(TENTH * step)) + Q4K_LEVELS) / f(max - min)), sumW, sumX);
    if (fit === undefined || !(fit.error < bestError)) continue;
    quants.set(candidate, qStart);
    bestError = fit.error;
    scale = fit.scale;
    min = fit.min;
  }
  return { scale, min: -min };
}

/** get_scale_min_k4: sub-block j's 6-bit scale and min from the 12 packed bytes at `at`. */
function scaleMinK4(bytes: Uint8Array, at: number, j: number): { scale: number; min: number } {
  const b = (k: number): number => bytes[at + k] as number;
  if (j < 4) return { scale: b(j) & 63, min: b(j + 4) & 63 };
  return { scale: (b(j + 4) & 0x0f) | ((b(j - 4) >>> 6) << 4), min: (b(j + 4) >>> 4) | ((b(j) >>> 6) << 4) };
}

/** Packs the eight 6-bit scales and mins as get_scale_min_k4 reads them (bytes start zeroed). */
function packScalesK4(out: Uint8Array, at: number, j: number, scale: number, min: number): void {
  if (j < 4) {
    out[at + j] = scale;
    out[at + j + 4] = min;
    return;
  }
  out[at + j + 4] = (scale & 0x0f) | ((min & 0x0f) << 4);
  out[at + j - 4] = (out[at + j - 4] as number) | ((scale >>> 4) << 6);
  out[at + j] = (out[at + j] as number) | ((min >>> 4) << 6);
}

/** quantize_row_q4_K_ref for one super-block at `start` into the 144 bytes at `o`. */
function quantizeQ4_KBlock(x: Float32Array, start: number, out: Uint8Array, o: number): void {
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < SUPER_BLOCK_VALUES / Q4K_SUB; j++) {
    const sub = start + Q4K_SUB * j;
    let sumX2 = 0;
    for (let i = 0; i < Q4K_SUB; i++) sumX2 = f(sumX2 + f((x[sub + i] as number) ** 2));
    // Larger values weigh more; the sub-block's RMS keeps small ones from counting for nothing.
    const rms = f(Math.sqrt(f(sumX2 / Q4K_SUB)));
    for (let i = 0; i < Q4K_SUB; i++) weights[i] = f(rms + Math.abs(x[sub + i] as number));
    const fit = fitAffine(x, sub, Q4K_SUB * j);
    subScales[j] = fit.scale;
    subMins[j] = fit.min;
    if (fit.scale > maxScale) maxScale = fit.scale;
    if (fit.min > maxMin) maxMin = fit.min;
  }
  const inverseScale = maxScale > 0 ? f(SIX_BITS / maxScale) : 0;
  const inverseMin = maxMin > 0 ? f(SIX_BITS / maxMin) : 0;
  for (let j = 0; j < SUPER_BLOCK_VALUES / Q4K_SUB; j++) {
    // ggml stores nearest_int's result in a uint8_t before capping it at 63.
    const scale = Math.min(SIX_BITS, nearestInt(f(inverseScale * (subScales[j] as number))) & 0xff);
    const min = Math.min(SIX_BITS, nearestInt(f(inverseMin * (subMins[j] as number))) & 0xff);
    packScalesK4(out, o + Q4K_SCALES_AT, j, scale, min);
  }
  const d = writeHalf(out, o, f(maxScale / SIX_BITS));
  const dmin = writeHalf(out, o + 2, f(maxMin / SIX_BITS));
  // The quants are chosen again for the scales the block now holds (a zero scale keeps the fit's quants).
  for (let j = 0; j < SUPER_BLOCK_VALUES / Q4K_SUB; j++) {
    const { scale, min } = scaleMinK4(out, o + Q4K_SCALES_AT, j);
    const step = f(d * scale);
    if (step === 0) continue;
    const offset = f(dmin * min);
    for (let i = 0; i < Q4K_SUB; i++) {
      const at = Q4K_SUB * j + i;
      quants[at] = clamp(nearestInt(f(f((x[start + at] as number) + offset) / step)), 0, Q4K_LEVELS);
    }
  }
  for (let run = 0; run < SUPER_BLOCK_VALUES / 64; run++) {
    for (let l = 0; l < 32; l++) out[o + Q4K_QUANTS_AT + 32 * run + l] = (quants[64 * run + l] as number) | ((quants[64 * run + 32 + l] as number) << 4);
  }
}

/** Q4_K blocks of `values` into `out`; an all-zero super-block is all zero bytes, as ggml writes it. */
export function quantizeQ4_K(values: Float32Array, out: Uint8Array): void {
  for (let start = 0, o = 0; start < values.length; start += SUPER_BLOCK_VALUES, o += Q4K_BYTES) {
    if (!isZero(values, start, SUPER_BLOCK_VALUES)) quantizeQ4_KBlock(values, start, out, o);
  }
}

/** Sums of w x l and w l^2 (w = x^2) over a sub-block quantized with `inverse`, q clamped to -32..31. */
function symmetricSums(x: Float32Array, start: number, inverse: number): { sumLX: number; sumL2: number } {
  let sumLX = 0;
  let sumL2 = 0;
  for (let i = 0; i < Q6K_SUB; i++) {
    const v = x[start + i] as number;
    const l = clamp(nearestInt(f(inverse * v)), -Q6K_HALF, Q6K_HALF - 1);
    const w = f(v * v);
    sumLX = f(sumLX + f(f(w * v) * l));
    sumL2 = f(sumL2 + f(f(w * l) * l));
  }
  return { sumLX, sumL2 };
}

function setSymmetricQuants(x: Float32Array, start: number, qStart: number, inverse: number): void {
  for (let i = 0; i < Q6K_SUB; i++) quants[qStart + i] = Q6K_HALF + clamp(nearestInt(f(inverse * (x[start + i] as number))), -Q6K_HALF, Q6K_HALF - 1);
}

/**
 * make_qx_quants(16, 32, ..., rmse_type 1, no importance): x ≈ scale * q, q in -32..31, the value of
 * largest magnitude at -32; then 18 grids around it, keeping the one that explains most of the x^2-weighted
 * sum of squares. Writes q + 32 to `quants` at `qStart` (0 for an all-zero sub-block); returns the scale.
 */
function fitSymmetric(x: Float32Array, start: number, qStart: number): number {
  let amax = 0;
  let max = 0;
  for (let i = start; i < start + Q6K_SUB; i++) {
    const v = x[i] as number;
    if (Math.abs(v) > amax) {
      amax = Math.abs(v);
      max = v;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    quants.fill(0, qStart, qStart + Q6K_SUB);
    return 0;
  }
  setSymmetricQuants(x, start, qStart, f(-Q6K_HALF / max));
  const first = symmetricSums(x, start, f(-Q6K_HALF / max));
  let scale = first.sumL2 ? f(first.sumLX / first.sumL2) : 0;
  let best = f(scale * first.sumLX);
  for (let step = -9; step <= 9; step++) {
    if (step === 0) continue;
    const inverse = f(-f(Q6K_HALF + f(TENTH * step)) / max);
    const { sumLX, sumL2 } = symmetricSums(x, start, inverse);
    if (sumL2 > 0 && f(sumLX * sumLX) > f(best * sumL2)) {
      setSymmetricQuants(x, start, qStart, inverse);
      scale = f(sumLX / sumL2);
      best = f(scale * sumLX);
    }
  }
  return scale;
}

/** quantize_row_q6_K_ref for one super-block at `start` into the 210 bytes at `o`. */
function quantizeQ6_KBlock(x: Float32Array, start: number, out: Uint8Array, o: number): void {
  let maxScale = 0;
  let maxAbsScale = 0;
  for (let j = 0; j < SUPER_BLOCK_VALUES / Q6K_SUB; j++) {
    const scale = fitSymmetric(x, start + Q6K_SUB * j, Q6K_SUB * j);
    subScales[j] = scale;
    if (Math.abs(scale) > maxAbsScale) {
      maxAbsScale = Math.abs(scale);
      maxScale = scale;
    }
  }
  if (maxAbsScale < GROUP_MAX_EPS) return;
  // The largest scale (sign kept) becomes -128, so d * scale_j has the sign the fit gave.
  const inverse = f(-128 / maxScale);
  const d = writeHalf(out, o + Q6K_D_AT, f(1 / inverse));
  for (let j = 0; j < SUPER_BLOCK_VALUES / Q6K_SUB; j++) {
    const scale = Math.min(127, nearestInt(f(inverse * (subScales[j] as number))));
    out[o + Q6K_SCALES_AT + j] = scale & 0xff;
    const step = f(d * scale);
    if (step === 0) continue;
    for (let i = 0; i < Q6K_SUB; i++) {
      const at = Q6K_SUB * j + i;
      quants[at] = Q6K_HALF + clamp(nearestInt(f((x[start + at] as number) / step)), -Q6K_HALF, Q6K_HALF - 1);
    }
  }
  for (let half = 0; half < 2; half++) {
    const q = (k: number): number => quants[128 * half + k] as number;
    for (let l = 0; l < 32; l++) {
      out[o + 64 * half + l] = (q(l) & 0x0f) | ((q(l + 64) & 0x0f) << 4);
      out[o + 64 * half + 32 + l] = (q(l + 32) & 0x0f) | ((q(l + 96) & 0x0f) << 4);
      out[o + Q6K_HIGH_AT + 32 * half + l] = (q(l) >>> 4) | ((q(l + 32) >>> 4) << 2) | ((q(l + 64) >>> 4) << 4) | ((q(l + 96) >>> 4) << 6);
    }
  }
}

/** Q6_K blocks of `values` into `out`; an all-zero super-block is all zero bytes, as ggml writes it. */
export function quantizeQ6_K(values: Float32Array, out: Uint8Array): void {
  for (let start = 0, o = 0; start < values.length; start += SUPER_BLOCK_VALUES, o += Q6K_BYTES) {
    if (!isZero(values, start, SUPER_BLOCK_VALUES)) quantizeQ6_KBlock(values, start, out, o);
  }
}
