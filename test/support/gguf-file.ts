/**
 * GGUF v3 serialization for the test-model writers (tiny-gguf.ts): metadata values, tensor infos, F32
 * tensor data, and an atomic write. Knows nothing about what the weights mean.
 */
import { mkdir, open, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const GGUF_VERSION = 3;
export const ALIGNMENT = 32;
const GGML_TYPE_F32 = 0;

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
  /** Builds the data; `rng` is this tensor's own stream (see tensorRng). */
  make: (rng: () => number) => Float32Array;
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
const tensorBytes = (spec: TensorSpec): number => 4 * spec.dims.reduce((a, b) => a * b, 1);

function buildHeader(meta: Array<[string, MetaValue]>, specs: TensorSpec[]): Buffer {
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(specs.length);
  w.u64(meta.length);
  for (const [key, value] of meta) writeMeta(w, key, value);
  let offset = 0; // relative to the start of the (aligned) data section
  for (const spec of specs) {
    w.string(spec.name);
    w.u32(spec.dims.length);
    for (const dim of spec.dims) w.u64(dim);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset = alignUp(offset + tensorBytes(spec));
  }
  w.zeros(alignUp(w.length) - w.length);
  return w.toBuffer();
}

/** Tensors are generated and written one at a time so wide models never sit in memory whole. */
async function writeTensors(file: FileHandle, specs: TensorSpec[], seed: number): Promise<void> {
  for (const spec of specs) {
    const data = spec.make(tensorRng(seed, spec.name));
    const expected = tensorBytes(spec) / 4;
    if (data.length !== expected) throw new Error(`tensor ${spec.name}: ${data.length} values, expected ${expected}`);
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await file.write(bytes);
    const pad = alignUp(bytes.length) - bytes.length;
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
