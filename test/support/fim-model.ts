/**
 * The tiny test model with fill-in-the-middle tokens: node-llama-cpp then completes with its native
 * infill prompt (prefix, suffix, middle) instead of a chat prompt, as a real coder model does.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./run-spark.js";
import { ensureTestModel } from "./tiny-gguf.js";

/** A copy of the tiny model, in a temp dir, whose FIM token ids are three byte tokens it never generates. */
export async function fimTestModel(): Promise<string> {
  const path = join(tempDir("spark-fim-model-"), "tiny-fim.gguf");
  withUint32Metadata(await ensureTestModel(), path, { "tokenizer.ggml.fim_pre_token_id": 6, "tokenizer.ggml.fim_suf_token_id": 7, "tokenizer.ggml.fim_mid_token_id": 8 });
  return path;
}

/**
 * Copies a GGUF file with extra uint32 metadata entries (here: the FIM token ids, which the tiny model
 * lacks). GGUF v3: header, metadata, tensor infos, padding to the alignment (32 in the test models),
 * tensor data; tensor offsets are relative to the data, so only the header grows.
 */
function withUint32Metadata(source: string, target: string, entries: Record<string, number>): void {
  const file = readFileSync(source);
  let at = 24;
  const u64 = (): number => {
    const value = Number(file.readBigUInt64LE(at));
    at += 8;
    return value;
  };
  /** Skips a GGUF string (u64 length, then the bytes). */
  const skipString = (): void => {
    const length = u64();
    at += length;
  };
  const skipValue = (type: number): void => {
    const sizes: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
    if (type === 8) skipString();
    else if (type === 9) {
      const itemType = file.readUInt32LE(at);
      at += 4;
      const count = u64();
      for (let i = 0; i < count; i++) skipValue(itemType);
    } else at += sizes[type] ?? 0;
  };
  const tensorCount = Number(file.readBigUInt64LE(8));
  const kvCount = Number(file.readBigUInt64LE(16));
  for (let i = 0; i < kvCount; i++) {
    skipString();
    const type = file.readUInt32LE(at);
    at += 4;
    skipValue(type);
  }
  const metadataEnd = at;
  for (let i = 0; i < tensorCount; i++) {
    skipString();
    const dims = file.readUInt32LE(at);
    at += 4 + dims * 8 + 4 + 8;
  }
  const infosEnd = at;
  const dataStart = Math.ceil(infosEnd / 32) * 32;
  const extra = Object.entries(entries).map(([key, value]) => {
    const name = Buffer.from(key, "utf8");
    const entry = Buffer.alloc(8 + name.length + 8);
    entry.writeBigUInt64LE(BigInt(name.length), 0);
    name.copy(entry, 8);
    entry.writeUInt32LE(4, 8 + name.length);
    entry.writeUInt32LE(value, 12 + name.length);
    return entry;
  });
  const header = Buffer.from(file.subarray(0, 24));
  header.writeBigUInt64LE(BigInt(kvCount + extra.length), 16);
  const head = Buffer.concat([header, file.subarray(24, metadataEnd), ...extra, file.subarray(metadataEnd, infosEnd)]);
  const padding = Buffer.alloc(Math.ceil(head.length / 32) * 32 - head.length);
  writeFileSync(target, Buffer.concat([head, padding, file.subarray(dataStart)]));
}
