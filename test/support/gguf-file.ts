/**
 * GGUF v3 serialization for the test-model writers (tiny-gguf.ts, gguf-shapes.ts): metadata values,
 * tensor infos, tensor data (F32, or quantized by gguf-quant.ts), and an atomic write. Knows nothing about
 * what the weights mean.
 */
import { mkdir, open, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { blockValues, encodeTensorData, GGML_TYPE_ID, typeBytes } from "./gguf-quant.js";
import type { TensorType } from "./gguf-quant.js";

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const GGUF_VERSION = 3;
export const ALIGNMENT = 32;

/** GGUF metadata value types (gguf_type in ggml). */
export const enum ValueType { Uint32 = 4, Int32 = 5, Float32 = 6, Bool = 7, String = 8, Array = 9 }

export type MetaValue =
  | { type: ValueType.Uint32 | ValueType.Int32 | ValueType.Float32; value: number }
  | { type: ValueType.Bool; value: boolean }
  | { type: ValueType.String; value: string }
  | { type: ValueType.Array; itemType: ValueType.String; value: readonly string[] }
  | { type: ValueType.Array; itemType: ValueType.Int32 | ValueType.Float32; value: readonly number[] };

export const u32 = (value: number): MetaValue => ({ type: ValueType.Uint32, value });
export const f32 = (value: number): MetaValue => ({ type: ValueType.Float32, value });
export const str = (value: string): MetaValue => ({ type: ValueType.String, value });
export const bool = (value: boolean): MetaValue => ({ type: ValueType.Bool, value });
export const strings = (value: readonly string[]): MetaValue => ({ type: ValueType.Array, itemType: ValueType.String, value });
export const int32s = (value: readonly number[]): MetaValue => ({ type: ValueType.Array, itemType: ValueType.Int32, value });
export const float32s = (value: readonly number[]): MetaValue => ({ type: ValueType.Array, itemType: ValueType.Float32, value });

export interface TensorSpec {
  name: string;
  /** GGUF/ggml order: dims[0] is the contiguous (innermost) dimension. */
  dims: number[];
  /** How the data is stored. Default "f32". */
  type?: TensorType;
  /**
   * Builds the data; `rng` is this tensor's own stream (see tensorRng). Large tensors yield it in chunks
   * (in order; each a whole number of rows for quantized types) so that a 1.5B-parameter model is
   * never held in memory whole.
   */
  make: (rng: () => number) => Float32Array | Iterable<Float32Array>;
  /**
   * When set, `make` yields only this many rows (dims[1] rows of dims[0] values) and the writer repeats
   * their encoded bytes to fill the tensor. For the real-shape models' random matrices: the values in a
   * row change nothing in what a matrix product costs, and drawing and quantizing 1.5 billion of them
   * one by one would take minutes instead of seconds.
   */
  repeatRows?: number;
}

/** mulberry32: tiny, fast, and identical on every platform, which is all determinism needs. */
export function prng(seed: number): () => number {
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

/** The bytes of one metadata entry as it sits in a header: lets a reader find an exact key and value. */
export function metadataEntryBytes(key: string, meta: MetaValue): Buffer {
  const w = new ByteWriter();
  writeMeta(w, key, meta);
  return w.toBuffer();
}

const alignUp = (n: number): number => Math.ceil(n / ALIGNMENT) * ALIGNMENT;
const valueCount = (spec: TensorSpec): number => spec.dims.reduce((a, b) => a * b, 1);
const tensorBytes = (spec: TensorSpec): number => typeBytes(spec.type ?? "f32", valueCount(spec));

function buildHeader(meta: Array<[string, MetaValue]>, specs: TensorSpec[]): Buffer {
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(specs.length);
  w.u64(meta.length);
  for (const [key, value] of meta) writeMeta(w, key, value);
  let offset = 0; // relative to the start of the (aligned) data section
  for (const spec of specs) {
    const type = spec.type ?? "f32";
    if ((spec.dims[0] as number) % blockValues(type) !== 0) {
      throw new Error(`tensor ${spec.name}: ${type} rows must be a multiple of ${blockValues(type)} values wide, got ${spec.dims[0]}`);
    }
    w.string(spec.name);
    w.u32(spec.dims.length);
    for (const dim of spec.dims) w.u64(dim);
    w.u32(GGML_TYPE_ID[type]);
    w.u64(offset);
    offset = alignUp(offset + tensorBytes(spec));
  }
  w.zeros(alignUp(w.length) - w.length);
  return w.toBuffer();
}

/** Encodes the tensor's data chunk by chunk, checking each chunk holds whole rows; yields the encoded bytes. */
function* encodedChunks(spec: TensorSpec, seed: number): Generator<Buffer> {
  const type = spec.type ?? "f32";
  const made = spec.make(tensorRng(seed, spec.name));
  const expected = spec.repeatRows === undefined ? valueCount(spec) : spec.repeatRows * (spec.dims[0] as number);
  let values = 0;
  for (const chunk of made instanceof Float32Array ? [made] : made) {
    if (type !== "f32" && chunk.length % (spec.dims[0] as number) !== 0) {
      throw new Error(`tensor ${spec.name}: a ${type} chunk must hold whole rows of ${spec.dims[0]} values, got ${chunk.length}`);
    }
    values += chunk.length;
    yield encodeTensorData(type, chunk);
  }
  if (values !== expected) throw new Error(`tensor ${spec.name}: ${values} values, expected ${expected}`);
}

/** Bytes per write when a tile of rows is repeated: few system calls, little memory. */
const REPEAT_WRITE_BYTES = 8 << 20;

/** Writes `tile` (whole rows) again and again until `total` bytes are written. */
async function writeRepeated(file: FileHandle, tile: Buffer, total: number): Promise<void> {
  const copies = Math.max(1, Math.floor(REPEAT_WRITE_BYTES / tile.length));
  const block = Buffer.concat(Array.from({ length: copies }, () => tile));
  for (let written = 0; written < total; written += block.length) {
    await file.write(block.subarray(0, Math.min(block.length, total - written)));
  }
}

/** Tensors are generated, encoded and written one chunk at a time so large models never sit in memory whole. */
async function writeTensors(file: FileHandle, specs: TensorSpec[], seed: number): Promise<void> {
  for (const spec of specs) {
    const bytes = tensorBytes(spec);
    if (spec.repeatRows === undefined) {
      for (const encoded of encodedChunks(spec, seed)) await file.write(encoded);
    } else {
      await writeRepeated(file, Buffer.concat([...encodedChunks(spec, seed)]), bytes);
    }
    const pad = alignUp(bytes) - bytes;
    if (pad > 0) await file.write(Buffer.alloc(pad));
  }
}

/** Writes a GGUF file to `path` atomically (a temporary file renamed into place). */
export async function writeGgufFile(
  path: string, meta: Array<[string, MetaValue]>, specs: TensorSpec[], seed: number,
): Promise<void> {
  const header = buildHeader(meta, specs);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const file = await open(tmp, "w");
  try {
    await file.write(header);
    await writeTensors(file, specs, seed);
  } catch (error) {
    await file.close();
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await file.close();
  await rename(tmp, path);
}

/** True when the first 64 KiB of the file at `path` hold the given metadata entry, byte for byte. */
export async function fileHasMetadataEntry(path: string, key: string, meta: MetaValue): Promise<boolean> {
  const file = await open(path, "r").catch(() => undefined);
  if (!file) return false;
  try {
    const head = Buffer.alloc(65536);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead).includes(metadataEntryBytes(key, meta));
  } finally {
    await file.close();
  }
}
