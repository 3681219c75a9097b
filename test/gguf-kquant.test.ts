/**
 * The K-quant writers (test/support/gguf-kquant.ts) against ggml's block_q4_K / block_q6_K layout: blocks
 * worked out by hand come out byte for byte, and bytes decoded here the way ggml's dequantize_row_q4_K /
 * dequantize_row_q6_K read them give back random values within each type's error, and on varied data the
 * bytes are those of ggml's own quantize_row_q4_K_ref / _q6_K_ref / _q5_0_ref, from the engine's library.
 * That llama.cpp reads them as meant is checked end to end in real-shape-model.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prng } from "./support/gguf-file.js";
import { fromHalfBits } from "./support/gguf-fp16.js";
import { encodeTensorData, typeBytes } from "./support/gguf-quant.js";
import { ggmlReferenceQuantize } from "./support/ggml-reference.js";

/** get_scale_min_k4: sub-block j's 6-bit scale and min from a Q4_K block's 12 scale bytes. */
function scaleMin(scales: Buffer, j: number): [number, number] {
  const q = (k: number): number => scales[k] as number;
  if (j < 4) return [q(j) & 63, q(j + 4) & 63];
  return [(q(j + 4) & 0x0f) | ((q(j - 4) >> 6) << 4), (q(j + 4) >> 4) | ((q(j) >> 6) << 4)];
}

/**
 * dequantize_row_q4_K: per 144-byte block fp16 d, fp16 dmin, 12 scale bytes, 128 quant bytes; for each
 * run of 32 quant bytes, sub-block 2r from the low nibbles and 2r + 1 from the high ones, each value
 * d * scale * q - dmin * min.
 */
function dequantizeQ4_K(bytes: Buffer): Float32Array {
  const out = new Float32Array((bytes.length / 144) * 256);
  let y = 0;
  for (let o = 0; o < bytes.length; o += 144) {
    const d = fromHalfBits(bytes.readUInt16LE(o));
    const dmin = fromHalfBits(bytes.readUInt16LE(o + 2));
    const scales = bytes.subarray(o + 4, o + 16);
    for (let run = 0; run < 4; run++) {
      const [s1, m1] = scaleMin(scales, 2 * run);
      const [s2, m2] = scaleMin(scales, 2 * run + 1);
      const q = bytes.subarray(o + 16 + 32 * run, o + 48 + 32 * run);
      for (let l = 0; l < 32; l++) out[y++] = d * s1 * ((q[l] as number) & 0x0f) - dmin * m1;
      for (let l = 0; l < 32; l++) out[y++] = d * s2 * ((q[l] as number) >> 4) - dmin * m2;
    }
  }
  return out;
}

/**
 * dequantize_row_q6_K: per 210-byte block ql[128], qh[64], int8 scales[16], fp16 d; per half of 128
 * values (64 ql, 32 qh, 8 scales), value l + 32k takes its low 4 bits from ql[l + 32 (k & 1)] (low nibble
 * for k < 2, high for k >= 2) and its top 2 from bits 2k of qh[l]; x = d * scale[l / 16 + 2k] * (q - 32).
 */
function dequantizeQ6_K(bytes: Buffer): Float32Array {
  const out = new Float32Array((bytes.length / 210) * 256);
  for (let o = 0, y = 0; o < bytes.length; o += 210, y += 256) {
    const d = fromHalfBits(bytes.readUInt16LE(o + 208));
    for (let half = 0; half < 2; half++) {
      const ql = (k: number): number => bytes[o + 64 * half + k] as number;
      const qh = (k: number): number => bytes[o + 128 + 32 * half + k] as number;
      const scale = (k: number): number => bytes.readInt8(o + 192 + 8 * half + k);
      for (let l = 0; l < 32; l++) {
        const is = Math.floor(l / 16);
        const q1 = ((ql(l) & 0x0f) | (((qh(l) >> 0) & 3) << 4)) - 32;
        const q2 = ((ql(l + 32) & 0x0f) | (((qh(l) >> 2) & 3) << 4)) - 32;
        const q3 = ((ql(l) >> 4) | (((qh(l) >> 4) & 3) << 4)) - 32;
        const q4 = ((ql(l + 32) >> 4) | (((qh(l) >> 6) & 3) << 4)) - 32;
        out[y + 128 * half + l] = d * scale(is) * q1;
        out[y + 128 * half + l + 32] = d * scale(is + 2) * q2;
        out[y + 128 * half + l + 64] = d * scale(is + 4) * q3;
        out[y + 128 * half + l + 96] = d * scale(is + 6) * q4;
      }
    }
  }
  return out;
}

/** Values in steps of 0.01 up to ±100, as gguf-quant.test.ts; 1 or 2 super-blocks of 256. */
const value = fc.integer({ min: -10_000, max: 10_000 }).map((i) => i / 100);
const superBlocks = fc.array(fc.array(value, { minLength: 256, maxLength: 256 }), { minLength: 1, maxLength: 2 }).map((list) => Float32Array.from(list.flat()));
/** Super-blocks whose 32-value sub-blocks differ in scale by up to 10^4 and some are all zero. */
const mixedScales = fc.array(fc.tuple(fc.constantFrom(0, 0.1, 1, 10, 100), fc.array(fc.integer({ min: -1000, max: 1000 }).map((i) => i / 1000), { minLength: 32, maxLength: 32 })), { minLength: 8, maxLength: 8 })
  .map((subs) => Float32Array.from(subs.flatMap(([scale, values]) => values.map((v) => v * scale))));

/** Largest error over each super-block, as a fraction of that super-block's largest magnitude. */
function worstRelativeError(values: Float32Array, back: Float32Array): number {
  let worst = 0;
  for (let b = 0; b < values.length; b += 256) {
    const amax = Math.max(...values.subarray(b, b + 256).map(Math.abs));
    for (let j = b; j < b + 256; j++) if (amax > 0) worst = Math.max(worst, Math.abs((back[j] as number) - (values[j] as number)) / amax);
  }
  return worst;
}

describe("Q4_K blocks", () => {
  /**
   * Sub-block j holds (k_j * l - m_j) / 64 for l = (i + j) mod 16, i = 0..31: an exact fit with scale
   * k_j / 64 and min m_j / 64. With some k and some m at 63, d = dmin = (63 / 64) / 63 = 1/64 (fp16
   * 0x2400), and the 6-bit codes are k_j and m_j themselves.
   */
  const k = [63, 1, 17, 40, 48, 5, 33, 20];
  const m = [0, 63, 5, 32, 17, 40, 2, 60];
  const handWorked = Float32Array.from({ length: 256 }, (_, at) => {
    const j = Math.floor(at / 32);
    return ((k[j] as number) * (((at % 32) + j) % 16) - (m[j] as number)) / 64;
  });

  it("are 144 bytes: d, dmin, six-bit scales and mins packed as get_scale_min_k4 reads them, then nibbles", () => {
    const bytes = encodeTensorData("q4_k", handWorked);
    expect(bytes.length).toBe(144);
    expect(typeBytes("q4_k", 512)).toBe(288);
    expect(bytes.readUInt16LE(0)).toBe(0x2400);
    expect(bytes.readUInt16LE(2)).toBe(0x2400);
    // Bytes 0-3: scales 0-3, with the top 2 bits of scales 4-7 (48 → 3, 5 → 0, 33 → 2, 20 → 1) above.
    // Bytes 4-7: mins 0-3, with the top 2 bits of mins 4-7 (17 → 1, 40 → 2, 2 → 0, 60 → 3) above.
    // Bytes 8-11: the low 4 bits of scale j (low nibble) and min j (high nibble) for j = 4-7.
    expect([...bytes.subarray(4, 16)]).toEqual([
      63 | (3 << 6), 1 | (0 << 6), 17 | (2 << 6), 40 | (1 << 6),
      0 | (1 << 6), 63 | (2 << 6), 5 | (0 << 6), 32 | (3 << 6),
      0 | (1 << 4), 5 | (8 << 4), 1 | (2 << 4), 4 | (12 << 4),
    ]);
    // Quant run r, byte i: sub-block 2r's value i (q = (i + 2r) mod 16) low, sub-block 2r + 1's high.
    expect(bytes[16]).toBe(0 | (1 << 4));
    expect(bytes[16 + 3 * 32 + 31]).toBe(5 | (6 << 4));
    for (let run = 0; run < 4; run++) {
      for (let i = 0; i < 32; i++) expect(bytes[16 + 32 * run + i]).toBe(((i + 2 * run) % 16) | (((i + 2 * run + 1) % 16) << 4));
    }
    expect([...dequantizeQ4_K(bytes)]).toEqual([...handWorked]);
  });

  it("write an all-zero super-block as zero bytes, and refuse rows that are not whole super-blocks", () => {
    expect([...encodeTensorData("q4_k", new Float32Array(256))].every((byte) => byte === 0)).toBe(true);
    expect(() => encodeTensorData("q4_k", new Float32Array(288))).toThrow(/multiple of 256/);
  });

  it("dequantize to within one 4-bit step of the super-block's range", () => {
    // 15 steps span a sub-block's range (at most 2 amax); ggml's weighted fit may leave an end value up
    // to about one step off. A misplaced nibble or scale bit would be off by far more.
    for (const values of [superBlocks, mixedScales]) {
      fc.assert(fc.property(values, (x) => {
        expect(worstRelativeError(x, dequantizeQ4_K(encodeTensorData("q4_k", x)))).toBeLessThanOrEqual(2 / 15);
      }));
    }
  });
});

describe("Q6_K blocks", () => {
  /**
   * Sub-block j holds q * s_j / 512 with q in -32..31, -32 (the largest magnitude) at i = j: an exact fit
   * with scale s_j / 512. s_0 = -128 is the largest (sign kept), so d = -(-1/4) / 128 = 1/512 (fp16
   * 0x1800) and the int8 scales are s_j themselves.
   */
  const s = [-128, 127, 1, -1, 64, -77, 3, 100, -5, 50, 7, -100, 33, -33, 90, 12];
  const q = (at: number): number => {
    const j = Math.floor(at / 16);
    const i = at % 16;
    return i === j ? -32 : ((5 * i + 3 * j) % 63) - 31;
  };
  const handWorked = Float32Array.from({ length: 256 }, (_, at) => (q(at) * (s[Math.floor(at / 16)] as number)) / 512);

  it("are 210 bytes: low nibbles, high bit pairs, int8 scales, then d", () => {
    const bytes = encodeTensorData("q6_k", handWorked);
    expect(bytes.length).toBe(210);
    expect(typeBytes("q6_k", 512)).toBe(420);
    expect(bytes.readUInt16LE(208)).toBe(0x1800);
    expect([...bytes.subarray(192, 208)].map((byte) => (byte << 24) >> 24)).toEqual(s);
    // Stored q + 32: value 0 is 0, value 32 (j 2) -25 + 32 = 7, value 64 (j 4) -19 + 32 = 13,
    // value 96 (j 6) -13 + 32 = 19 = 0b01_0011.
    expect(bytes[0]).toBe(0 | (13 << 4)); // values 0 and 64, low 4 bits
    expect(bytes[32]).toBe(7 | (3 << 4)); // values 32 and 96
    expect(bytes[128]).toBe(1 << 6); // top 2 bits of values 0, 32, 64, 96
    for (let half = 0; half < 2; half++) {
      for (let l = 0; l < 32; l++) {
        const stored = (k: number): number => q(128 * half + l + 32 * k) + 32;
        expect(bytes[64 * half + l]).toBe((stored(0) & 15) | ((stored(2) & 15) << 4));
        expect(bytes[64 * half + 32 + l]).toBe((stored(1) & 15) | ((stored(3) & 15) << 4));
        expect(bytes[128 + 32 * half + l]).toBe((stored(0) >> 4) | ((stored(1) >> 4) << 2) | ((stored(2) >> 4) << 4) | ((stored(3) >> 4) << 6));
      }
    }
    expect([...dequantizeQ6_K(bytes)]).toEqual([...handWorked]);
  });

  it("write an all-zero super-block as zero bytes", () => {
    expect([...encodeTensorData("q6_k", new Float32Array(256))].every((byte) => byte === 0)).toBe(true);
  });

  it("dequantize to within one 6-bit step of the super-block's range", () => {
    // 63 steps span [-amax, amax] in the largest sub-block; the int8 scales cost the smaller ones a little.
    for (const values of [superBlocks, mixedScales]) {
      fc.assert(fc.property(values, (x) => {
        expect(worstRelativeError(x, dequantizeQ6_K(encodeTensorData("q6_k", x)))).toBeLessThanOrEqual(2 / 63);
      }));
    }
  });
});

/**
 * Super-blocks of five kinds, in turn: uniform; sub-blocks whose scales differ by up to 10^4; sub-blocks
 * offset far from zero (all positive or all negative); mostly zeros; small integers (exact fits and ties).
 */
function variedSuperBlocks(count: number): Float32Array {
  const rng = prng(20);
  const values = new Float32Array(256 * count);
  for (let b = 0; b < count; b++) {
    const kind = b % 5;
    for (let sub = 0; sub < 8; sub++) {
      const scale = kind === 1 ? 10 ** (rng() * 4 - 2) : 1;
      const offset = kind === 2 ? (rng() * 2 - 1) * 50 : 0;
      for (let i = 0; i < 32; i++) {
        const random = (rng() * 2 - 1) * 10 * scale + offset;
        values[256 * b + 32 * sub + i] = kind === 3 ? (rng() < 0.9 ? 0 : random * 10) : kind === 4 ? Math.round(rng() * 30 - 15) : random;
      }
    }
  }
  return values;
}

describe("the writers against ggml's reference quantizers", () => {
  it("write the bytes ggml writes, block for block", async () => {
    const values = variedSuperBlocks(500);
    for (const [ours, ggml] of [["q4_k", "q4_K"], ["q6_k", "q6_K"], ["q5_0", "q5_0"]] as const) {
      const expected = await ggmlReferenceQuantize(ggml, values);
      const written = encodeTensorData(ours, values);
      expect(written.length).toBe(expected.length);
      // The first differing byte, if any, says where to look better than a 100 KB diff would.
      const first = written.findIndex((byte, at) => byte !== expected[at]);
      expect({ type: ours, first }).toEqual({ type: ours, first: -1 });
    }
  });
});
