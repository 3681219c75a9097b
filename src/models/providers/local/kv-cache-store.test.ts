import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KvCacheStore } from "./kv-cache-store.js";

/** A file shaped as llama.cpp's sequence state: "ggsq", version, token count, tokens, then `payload` bytes. */
function stateFile(tokens: number[], payload = 64): Buffer {
  const buffer = Buffer.alloc(12 + tokens.length * 4 + payload, 7);
  buffer.writeUInt32LE(0x67677371, 0);
  buffer.writeUInt32LE(3, 4);
  buffer.writeUInt32LE(tokens.length, 8);
  tokens.forEach((token, index) => buffer.writeUInt32LE(token, 12 + index * 4));
  return buffer;
}

const model = "a".repeat(64);
const otherModel = "b".repeat(64);
const range = (from: number, count: number) => Array.from({ length: count }, (_, index) => from + index);

function store(maxBytes = 1 << 20, dir = join(mkdtempSync(join(tmpdir(), "spark-kv-")), "kv")) {
  const notes: string[] = [];
  return { dir, notes, kv: new KvCacheStore({ dir, maxBytes, note: (message) => notes.push(message) }) };
}

const save = (kv: KvCacheStore, tokens: number[], payload = 64, which = model) => kv.save(which, "conversation", tokens, (path) => writeFile(path, stateFile(tokens, payload)));

describe("KvCacheStore", () => {
  it("saves atomically into a 0700 directory as 0600 files, and finds the entry sharing the longest prefix", async () => {
    const { dir, kv } = store();
    await save(kv, range(1, 40));
    await save(kv, [...range(1, 20), ...range(500, 15)]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files.some((name) => name.startsWith(".tmp-"))).toBe(false);
    for (const name of files) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    const hit = await kv.find(model, [...range(1, 30), 9999], 16, 4096);
    expect(hit?.shared).toBe(30);
    expect(hit?.entry.tokens).toEqual(range(1, 40));
    expect(await kv.find(otherModel, range(1, 30), 16, 4096)).toBeUndefined();
    // A state holding more tokens than the context can take is never offered.
    expect(await kv.find(model, range(1, 30), 16, 39)).toMatchObject({ shared: 20 });
  });

  it("ignores, with a note, an index that is not JSON, a foreign index, and a state whose bytes or tokens changed", async () => {
    const { dir, kv, notes } = store();
    const statePath = await save(kv, range(1, 40));
    if (!statePath) throw new Error("not saved");
    writeFileSync(join(dir, `${model.slice(0, 16)}-garbage.json`), "{ not json");
    writeFileSync(join(dir, `${model.slice(0, 16)}-foreign.json`), JSON.stringify({ format: "other", model, state: "../../etc/passwd" }));
    const bytes = readFileSync(statePath);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(statePath, bytes);
    expect(await kv.find(model, range(1, 40), 16, 4096)).toBeUndefined();
    expect(notes.join("\n")).toMatch(/garbage\.json ignored/);
    expect(notes.join("\n")).toMatch(/foreign\.json ignored: not a spark-kv-1 index/);
    expect(notes.join("\n")).toMatch(/ignored: its contents changed since it was written/);
    // A state with other tokens in its header than the index lists is refused before its hash is read.
    const other = store();
    const path = await save(other.kv, range(1, 40));
    if (!path) throw new Error("not saved");
    const swapped = readFileSync(path);
    swapped.writeUInt32LE(77, 12);
    writeFileSync(path, swapped);
    expect(await other.kv.find(model, range(1, 40), 16, 4096)).toBeUndefined();
    expect(other.notes.join("\n")).toMatch(/token 0 differs from the index/);
  });

  it("evicts the least recently used entries past the byte bound, a state just found counting as used", async () => {
    const size = stateFile(range(1, 20), 1000).length;
    const { dir, kv, notes } = store(size * 2 + 10);
    const a = range(1, 20);
    const b = range(100, 20);
    const c = range(200, 20);
    await save(kv, a, 1000);
    await save(kv, b, 1000);
    // Make the two look older than now, then use A: B is the least recently used.
    for (const name of readdirSync(dir)) utimesSync(join(dir, name), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(await kv.find(model, a, 16, 4096)).toBeDefined();
    await save(kv, c, 1000);
    expect(await kv.find(model, b, 16, 4096)).toBeUndefined();
    expect(await kv.find(model, a, 16, 4096)).toBeDefined();
    expect(await kv.find(model, c, 16, 4096)).toBeDefined();
    expect(notes.join("\n")).toMatch(/evicted .* least recently used/);
    expect(readdirSync(dir).filter((name) => name.endsWith(".kv"))).toHaveLength(2);
  });

  it("keeps no state larger than the bound, and drops a conversation's entry when a longer one of it is saved", async () => {
    const { dir, kv, notes } = store(200);
    expect(await save(kv, range(1, 20), 1000)).toBeUndefined();
    expect(notes.join("\n")).toMatch(/over kv_cache_max_bytes/);
    const roomy = store();
    await save(roomy.kv, range(1, 20));
    await save(roomy.kv, range(1, 30));
    expect(readdirSync(roomy.dir).filter((name) => name.endsWith(".json"))).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("leaves nothing that a later lookup could use when a save fails half-way", async () => {
    const { dir, kv, notes } = store();
    const tokens = range(1, 40);
    const saved = await kv.save(model, "conversation", tokens, async (path) => {
      await writeFile(path, stateFile(tokens).subarray(0, 100));
      throw new Error("interrupted");
    });
    expect(saved).toBeUndefined();
    expect(notes.join("\n")).toMatch(/failed: interrupted/);
    expect(readdirSync(dir)).toEqual([]);
    expect(await kv.find(model, tokens, 16, 4096)).toBeUndefined();
  });

  it("refuses a cache directory that is a symbolic link, saving and finding nothing", async () => {
    const root = mkdtempSync(join(tmpdir(), "spark-kv-link-"));
    mkdirSync(join(root, "elsewhere"));
    symlinkSync(join(root, "elsewhere"), join(root, "kv"));
    const { kv, notes } = store(1 << 20, join(root, "kv"));
    expect(await save(kv, range(1, 20))).toBeUndefined();
    expect(readdirSync(join(root, "elsewhere"))).toEqual([]);
    expect(notes.join("\n")).toMatch(/is not used: it is not a directory/);
  });
});
