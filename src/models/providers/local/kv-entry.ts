import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { z } from "zod";

/** The tag of this store's index files; another value is a foreign or older file, never loaded. */
export const kvFormat = "spark-kv-1";

/**
 * What a cache entry holds: the state of a whole conversation, or only the prefix every agent call of a
 * workspace shares (system prompt and tool definitions), kept apart so that a new task loads only that.
 */
export type KvEntryKind = "conversation" | "prefix";

/** The index file beside each state file; it is read (as untrusted JSON) before the state is touched. */
export const kvEntrySchema = z
  .object({
    format: z.literal(kvFormat),
    model: z.string().regex(/^[0-9a-f]{64}$/),
    kind: z.enum(["conversation", "prefix"]),
    tokens: z.array(z.number().int().min(0).max(0xffffffff)).min(1),
    state: z.string().regex(/^[0-9a-f]{16}-[0-9a-f]{32}-[0-9a-f]{16}\.kv$/),
    stateBytes: z.number().int().positive(),
    stateSha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export type KvEntryIndex = z.infer<typeof kvEntrySchema>;

/** llama.cpp's sequence-state file starts with this magic ("ggsq"), a version, the token count and the tokens. */
const stateMagic = 0x67677371;

/** The entry's name: the model and the tokens it holds, so that the same state saved twice is one entry. */
export function entryName(model: string, kind: KvEntryKind, tokens: readonly number[]): string {
  const hash = createHash("sha256").update(`${model}\n${kind}\n`).update(Uint32Array.from(tokens)).digest("hex");
  return `${model.slice(0, 16)}-${hash.slice(0, 32)}`;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Whether the state file is the one the index describes: its size, llama.cpp's header (magic, the
 * token count and the very tokens the index lists) and the hash of every byte. Only then is it handed to
 * llama.cpp, which trusts what it reads.
 */
export async function stateMatches(path: string, entry: KvEntryIndex): Promise<string | undefined> {
  const info = await stat(path);
  if (!info.isFile() || info.size !== entry.stateBytes) return `size ${info.size} is not the recorded ${entry.stateBytes}`;
  const headerBytes = 12 + entry.tokens.length * 4;
  if (headerBytes > info.size) return "the header is longer than the file";
  const header = Buffer.alloc(headerBytes);
  const file = await open(path, "r");
  try {
    await file.read(header, 0, headerBytes, 0);
  } finally {
    await file.close();
  }
  if (header.readUInt32LE(0) !== stateMagic) return "not a llama.cpp sequence state";
  if (header.readUInt32LE(8) !== entry.tokens.length) return "its token count differs from the index";
  for (let index = 0; index < entry.tokens.length; index++) {
    if (header.readUInt32LE(12 + index * 4) !== entry.tokens[index]) return `token ${index} differs from the index`;
  }
  if ((await sha256OfFile(path)) !== entry.stateSha256) return "its contents changed since it was written";
  return undefined;
}

/** How many leading tokens `a` and `b` share. */
export function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a[index] === b[index]) index++;
  return index;
}
