import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage } from "../../../core/index.js";
import { entryName, kvEntrySchema, kvFormat, sha256OfFile, sharedPrefix, stateMatches, type KvEntryIndex, type KvEntryKind } from "./kv-entry.js";

export interface KvCacheOptions {
  /** The user's cache directory (created 0700); never one a project's config names. */
  dir: string;
  /** Bytes of state kept on disk; the least recently used entries go first. */
  maxBytes: number;
  /** Debug notes: what was ignored or evicted, and why. */
  note?: (message: string) => void;
}

/** A verified entry, ready to load. */
export interface KvHit {
  entry: KvEntryIndex;
  statePath: string;
  /** Leading prompt tokens the state holds. */
  shared: number;
}

/** An index lists at most a context's tokens: 1M tokens as JSON is well under this. */
const maxIndexBytes = 16 * 1024 * 1024;

/** A file that only a writer between its two renames could be using; older ones are left-overs. */
const staleMs = 10 * 60 * 1000;

/**
 * Saved KV states on disk: one llama.cpp state file per entry (named by its contents' hash) and one index
 * file that names it, its model and tokens. Both are written to a temporary name and renamed, the state
 * first, so an index always names a complete file; a reader checks the index against the state before
 * llama.cpp sees it. Every failure here is a note and a miss, never an error for the call.
 */
export class KvCacheStore {
  private ready: Promise<boolean> | undefined;

  constructor(private readonly options: KvCacheOptions) {}

  private note(message: string): void {
    this.options.note?.(message);
  }

  /** Creates the directory 0700, or refuses one that is a link or belongs to someone else. */
  private open(): Promise<boolean> {
    this.ready ??= (async () => {
      const { dir } = this.options;
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const info = await lstat(dir);
        if (!info.isDirectory()) throw new Error("it is not a directory");
        if (process.getuid && info.uid !== process.getuid()) throw new Error("it belongs to another user");
        if ((info.mode & 0o077) !== 0) await chmod(dir, 0o700);
        return true;
      } catch (error) {
        this.note(`cache directory ${dir} is not used: ${errorMessage(error)}`);
        return false;
      }
    })();
    return this.ready;
  }

  private async indexes(model: string): Promise<{ name: string; entry: KvEntryIndex }[]> {
    const names = (await readdir(this.options.dir)).filter((name) => name.startsWith(`${model.slice(0, 16)}-`) && name.endsWith(".json"));
    const found: { name: string; entry: KvEntryIndex }[] = [];
    for (const name of names) {
      const entry = await this.readIndex(name);
      if (entry && entry.model === model) found.push({ name, entry });
    }
    return found;
  }

  /** Parsed index files by name, kept while their size and modification time stay the same. */
  private readonly parsed = new Map<string, { stamp: string; entry: KvEntryIndex }>();

  private async readIndex(name: string): Promise<KvEntryIndex | undefined> {
    try {
      const path = join(this.options.dir, name);
      const info = await stat(path);
      const stamp = `${info.size}:${info.mtimeMs}:${info.ino}`;
      const known = this.parsed.get(name);
      if (known?.stamp === stamp) return known.entry;
      this.parsed.delete(name);
      if (info.size > maxIndexBytes) throw new Error(`${info.size} bytes is too large for an index`);
      const parsed = kvEntrySchema.safeParse(JSON.parse(await readFile(path, "utf8")));
      if (parsed.success) {
        this.parsed.set(name, { stamp, entry: parsed.data });
        return parsed.data;
      }
      this.note(`${name} ignored: not a ${kvFormat} index`);
    } catch (error) {
      this.note(`${name} ignored: ${errorMessage(error)}`);
    }
    return undefined;
  }

  /**
   * The verified entry of this model sharing the longest prefix with `prompt` (at least `minShared`
   * tokens, at most `maxTokens` held), preferring the smaller state on a tie; its use makes it recent.
   */
  async find(model: string, prompt: readonly number[], minShared: number, maxTokens: number): Promise<KvHit | undefined> {
    if (!(await this.open())) return undefined;
    try {
      const candidates = (await this.indexes(model))
        .filter(({ entry }) => entry.tokens.length <= maxTokens)
        .map((candidate) => ({ ...candidate, shared: sharedPrefix(candidate.entry.tokens, prompt) }))
        .filter((candidate) => candidate.shared >= minShared)
        .sort((a, b) => b.shared - a.shared || a.entry.tokens.length - b.entry.tokens.length);
      for (const { name, entry, shared } of candidates) {
        const statePath = join(this.options.dir, entry.state);
        const problem = await stateMatches(statePath, entry).catch((error: unknown) => errorMessage(error));
        if (problem) {
          this.note(`${name} ignored: ${problem}`);
          continue;
        }
        const now = new Date();
        await utimes(join(this.options.dir, name), now, now).catch(() => undefined);
        return { entry, statePath, shared };
      }
    } catch (error) {
      this.note(`lookup failed: ${errorMessage(error)}`);
    }
    return undefined;
  }

  /** Whether an entry of these tokens is on disk (its index; it is verified when found). */
  async has(model: string, kind: KvEntryKind, tokens: readonly number[]): Promise<boolean> {
    if (!(await this.open())) return false;
    return (await stat(join(this.options.dir, `${entryName(model, kind, tokens)}.json`)).catch(() => undefined)) !== undefined;
  }

  /**
   * Saves a state: `write` puts llama.cpp's file at the temporary path given; it is hashed, made 0600 and
   * renamed into place with its index, and its path returned. Conversation entries whose tokens the new one extends are dropped
   * (the new state serves every prompt they would). Never throws.
   */
  async save(model: string, kind: KvEntryKind, tokens: readonly number[], write: (path: string) => Promise<void>): Promise<string | undefined> {
    if (!(await this.open())) return undefined;
    const { dir } = this.options;
    const name = entryName(model, kind, tokens);
    const temp = join(dir, `.tmp-${randomBytes(8).toString("hex")}`);
    try {
      await write(temp);
      await chmod(temp, 0o600);
      const stateBytes = (await stat(temp)).size;
      if (stateBytes > this.options.maxBytes) {
        this.note(`${name} not kept: ${stateBytes} bytes is over kv_cache_max_bytes`);
        return undefined;
      }
      const stateSha256 = await sha256OfFile(temp);
      const state = `${name}-${stateSha256.slice(0, 16)}.kv`;
      const entry: KvEntryIndex = { format: kvFormat, model, kind, tokens: [...tokens], state, stateBytes, stateSha256 };
      await rename(temp, join(dir, state));
      await writeFile(`${temp}.json`, JSON.stringify(entry), { mode: 0o600 });
      await rename(`${temp}.json`, join(dir, `${name}.json`));
      if (kind === "conversation") await this.dropExtended(model, name, tokens);
      await this.evict();
      return join(dir, state);
    } catch (error) {
      this.note(`saving ${name} failed: ${errorMessage(error)}`);
      return undefined;
    } finally {
      await rm(temp, { force: true });
      await rm(`${temp}.json`, { force: true });
    }
  }

  /** Removes this model's other conversation entries whose tokens are a prefix of `tokens`. */
  private async dropExtended(model: string, keep: string, tokens: readonly number[]): Promise<void> {
    for (const { name, entry } of await this.indexes(model)) {
      if (name === `${keep}.json` || entry.kind !== "conversation" || entry.tokens.length > tokens.length) continue;
      if (sharedPrefix(entry.tokens, tokens) < entry.tokens.length) continue;
      await rm(join(this.options.dir, name), { force: true });
      await rm(join(this.options.dir, entry.state), { force: true });
    }
  }

  /**
   * Keeps the directory within kv_cache_max_bytes: index files by last use, oldest first, go with their
   * state files; state files no index names and stale temporary files (a writer that died) go too.
   */
  async evict(): Promise<void> {
    const { dir, maxBytes } = this.options;
    const now = Date.now();
    const live: { index: string; state: string; bytes: number; used: number }[] = [];
    const named = new Set<string>();
    const names = await readdir(dir);
    for (const name of names.filter((item) => item.endsWith(".json") && !item.startsWith("."))) {
      const entry = await this.readIndex(name);
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (!entry || !info) continue;
      named.add(entry.state);
      live.push({ index: name, state: entry.state, bytes: entry.stateBytes, used: info.mtimeMs });
    }
    for (const name of names) {
      const orphan = (name.endsWith(".kv") && !named.has(name)) || name.startsWith(".tmp-");
      if (!orphan) continue;
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info && now - info.mtimeMs > staleMs) await rm(join(dir, name), { force: true });
    }
    let total = live.reduce((sum, item) => sum + item.bytes, 0);
    for (const item of live.sort((a, b) => a.used - b.used)) {
      if (total <= maxBytes) break;
      await rm(join(dir, item.index), { force: true });
      await rm(join(dir, item.state), { force: true });
      total -= item.bytes;
      this.note(`evicted ${item.index} (${item.bytes} bytes, least recently used)`);
    }
  }
}
