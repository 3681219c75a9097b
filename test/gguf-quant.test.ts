/**
 * The test-model quantizers (test/support/gguf-quant.ts) against ggml's block layout: bytes decoded here
 * the way ggml's dequantize_row_q8_0 / _q4_0 / _q5_0 read them must give back the values within each
 * type's step, and hand-worked blocks must come out byte for byte (the K-quants: gguf-kquant.test.ts). That llama.cpp itself reads
 * them the same way is checked end to end in real-shape-model.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHalfBits } from "./support/gguf-fp16.js";
import { encodeTensorData, toHalfBits, typeBytes } from "./support/gguf-quant.js";

/** dequantize_row_q8_0: per 34-byte block, fp16 d then 32 int8 q; x = q * d. */
function dequantizeQ8_0(bytes: Buffer): Float32Array {
  const out = new Float32Array((bytes.length / 34) * 32);
  for (let b = 0; b < bytes.length / 34; b++) {
    const d = fromHalfBits(bytes.readUInt16LE(b * 34));
    for (let j = 0; j < 32; j++) out[b * 32 + j] = bytes.readInt8(b * 34 + 2 + j) * d;
  }
  return out;
}

/** dequantize_row_q4_0: per 18-byte block, fp16 d then 16 bytes; value j is the low nibble of byte j, value j + 16 its high nibble; x = (q - 8) * d. */
function dequantizeQ4_0(bytes: Buffer): Float32Array {
  const out = new Float32Array((bytes.length / 18) * 32);
  for (let b = 0; b < bytes.length / 18; b++) {
    const d = fromHalfBits(bytes.readUInt16LE(b * 18));
    for (let j = 0; j < 16; j++) {
      const byte = bytes[b * 18 + 2 + j] as number;
      out[b * 32 + j] = ((byte & 0x0f) - 8) * d;
      out[b * 32 + j + 16] = ((byte >>> 4) - 8) * d;
    }
  }
  return out;
}

/**
 * dequantize_row_q5_0: per 22-byte block, fp16 d, a little-endian uint32 of fifth bits, 16 bytes of
 * nibbles as Q4_0; value j's fifth bit is bit j, value j + 16's bit j + 16; x = (q - 16) * d.
 */
function dequantizeQ5_0(bytes: Buffer): Float32Array {
  const out = new Float32Array((bytes.length / 22) * 32);
  for (let b = 0; b < bytes.length / 22; b++) {
    const d = fromHalfBits(bytes.readUInt16LE(b * 22));
    const fifth = bytes.readUInt32LE(b * 22 + 2);
    for (let j = 0; j < 16; j++) {
      const byte = bytes[b * 22 + 6 + j] as number;
      out[b * 32 + j] = ((byte & 0x0f) + (((fifth >>> j) & 1) << 4) - 16) * d;
      out[b * 32 + j + 16] = ((byte >>> 4) + (((fifth >>> (j + 16)) & 1) << 4) - 16) * d;
    }
  }
  return out;
}

const blocksOf = (values: number[]): Float32Array => Float32Array.from(values);
/** Values in steps of 0.01 up to ±100: scales stay normal fp16 numbers (tiny ones lose precision in ggml too). */
const block = fc.array(fc.integer({ min: -10_000, max: 10_000 }).map((i) => i / 100), { minLength: 32, maxLength: 32 });
const blocks = fc.array(block, { minLength: 1, maxLength: 4 }).map((list) => blocksOf(list.flat()));

describe("fp16 conversion", () => {
  it("rounds to nearest even and covers subnormals, overflow and signs", () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(70000)).toBe(0x7c00);
    expect(toHalfBits(2 ** -24)).toBe(0x0001);
    expect(toHalfBits(2 ** -26)).toBe(0);
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // a tie goes to the even mantissa
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalfBits(-0)).toBe(0x8000);
  });

  it("reads binary16 back exactly", () => {
    expect(fromHalfBits(0x3c00)).toBe(1);
    expect(fromHalfBits(0xc000)).toBe(-2);
    expect(fromHalfBits(0x7bff)).toBe(65504);
    expect(fromHalfBits(0x0001)).toBe(2 ** -24);
    expect(fromHalfBits(0x2400)).toBe(1 / 64);
    expect(fromHalfBits(0xfc00)).toBe(-Infinity);
    expect(Object.is(fromHalfBits(0x8000), -0)).toBe(true);
  });

  it("round-trips every value within half a step", () => {
    fc.assert(fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (x) => {
      const back = fromHalfBits(toHalfBits(x));
      expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
    }));
  });
});

describe("Q8_0 blocks", () => {
  it("are 34 bytes: fp16 max|x|/127, then round(x / d) as int8", () => {
    const values = new Float32Array(32);
    values[0] = 127;
    values[1] = -63.5; // a half rounds away from zero, as C's roundf
    values[31] = 1;
    const bytes = encodeTensorData("q8_0", values);
    expect(bytes.length).toBe(34);
    expect(typeBytes("q8_0", 64)).toBe(68);
    expect(bytes.readUInt16LE(0)).toBe(0x3c00); // d = 1
    expect(bytes.readInt8(2)).toBe(127);
    expect(bytes.readInt8(3)).toBe(-64);
    expect(bytes.readInt8(33)).toBe(1);
    expect([...encodeTensorData("q8_0", new Float32Array(32))].every((byte) => byte === 0)).toBe(true);
  });

  it("dequantize to within half a step (plus the fp16 scale's rounding)", () => {
    fc.assert(fc.property(blocks, (values) => {
      const back = dequantizeQ8_0(encodeTensorData("q8_0", values));
      for (let b = 0; b < values.length; b += 32) {
        const amax = Math.max(...values.subarray(b, b + 32).map(Math.abs));
        for (let j = b; j < b + 32; j++) expect(Math.abs((back[j] as number) - (values[j] as number))).toBeLessThanOrEqual((amax / 127) * 0.501 + amax * 2 ** -10);
      }
    }));
  });
});

describe("Q4_0 blocks", () => {
  it("are 18 bytes: fp16 d = max / -8, values j and j + 16 in byte j's low and high nibbles", () => {
    const values = new Float32Array(32);
    values[0] = -8; // the largest magnitude, sign kept: d = 1
    values[1] = 3;
    values[16] = 7;
    values[17] = -1;
    const bytes = encodeTensorData("q4_0", values);
    expect(bytes.length).toBe(18);
    expect(bytes.readUInt16LE(0)).toBe(0x3c00);
    expect(bytes[2]).toBe(0 | (15 << 4)); // -8 → q 0; 7 → q 15
    expect(bytes[3]).toBe(11 | (7 << 4)); // 3 → q 11; -1 → q 7
    expect(bytes[4]).toBe(0x88); // zeros → q 8
    expect([...dequantizeQ4_0(bytes)]).toEqual([...values]);
  });

  it("dequantize to within one step of the block's scale", () => {
    fc.assert(fc.property(blocks, (values) => {
      const back = dequantizeQ4_0(encodeTensorData("q4_0", values));
      for (let b = 0; b < values.length; b += 32) {
        const amax = Math.max(...values.subarray(b, b + 32).map(Math.abs));
        // Q4_0 rounds to nearest except at the top, where q is clamped to 15 (7 steps up where -8 fit below).
        for (let j = b; j < b + 32; j++) expect(Math.abs((back[j] as number) - (values[j] as number))).toBeLessThanOrEqual((amax / 8) * 1.001 + amax * 2 ** -9);
      }
    }));
  });

  it("refuses a tensor that is not whole blocks", () => {
    expect(() => encodeTensorData("q4_0", new Float32Array(33))).toThrow(/multiple of 32/);
  });
});

describe("Q5_0 blocks", () => {
  it("are 22 bytes: fp16 d = max / -16, fifth bits in a uint32, low nibbles as Q4_0", () => {
    const values = new Float32Array(32);
    values[0] = -16; // the largest magnitude, sign kept: d = 1
    values[1] = 3; // q 19 = 0b10011: low nibble 3, fifth bit 1 (bit 1)
    values[16] = 15; // q 31: low nibble 15, fifth bit 1 (bit 16)
    values[17] = -1; // q 15: low nibble 15, fifth bit 0
    const bytes = encodeTensorData("q5_0", values);
    expect(bytes.length).toBe(22);
    expect(typeBytes("q5_0", 64)).toBe(44);
    expect(bytes.readUInt16LE(0)).toBe(0x3c00);
    // Zeros are q 16: fifth bit set, low nibble 0. Value 0 (q 0) and value 17 (q 15) have it clear.
    expect(bytes.readUInt32LE(2)).toBe((~(1 << 0) & ~(1 << 17)) >>> 0);
    expect(bytes[6]).toBe(0 | (15 << 4));
    expect(bytes[7]).toBe(3 | (15 << 4));
    expect(bytes[8]).toBe(0x00);
    expect([...dequantizeQ5_0(bytes)]).toEqual([...values]);
    // ggml's all-zero block: d = 0 / -16 = -0, every q 16.
    expect([...encodeTensorData("q5_0", new Float32Array(32))]).toEqual([0x00, 0x80, 0xff, 0xff, 0xff, 0xff, ...new Array(16).fill(0)]);
  });

  it("dequantize to within one step of the block's scale", () => {
    fc.assert(fc.property(blocks, (values) => {
      const back = dequantizeQ5_0(encodeTensorData("q5_0", values));
      for (let b = 0; b < values.length; b += 32) {
        const amax = Math.max(...values.subarray(b, b + 32).map(Math.abs));
        // As Q4_0: nearest, except at the top, where q is clamped to 31 (15 steps up where -16 fit below).
        for (let j = b; j < b + 32; j++) expect(Math.abs((back[j] as number) - (values[j] as number))).toBeLessThanOrEqual((amax / 16) * 1.001 + amax * 2 ** -9);
      }
    }));
  });
});
