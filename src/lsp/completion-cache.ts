/**
 * Recent suggestions, so that typing through one costs nothing: a suggestion made at a cursor stays
 * valid while the user types its first characters (the same text before them, the same text after the
 * cursor), and the rest of it is offered again without calling the model. Least recently used entries
 * go first.
 */
interface Entry {
  uri: string;
  /** Offset of the cursor when the suggestion was made. */
  offset: number;
  /** The text just before that cursor (a bounded tail, enough to tell the place apart). */
  before: string;
  /** The text after the cursor (bounded). */
  after: string;
  suggestion: string;
}

export interface CacheKey {
  uri: string;
  /** The whole document text and the cursor offset in it. */
  text: string;
  offset: number;
}

const contextChars = 512;

export class CompletionCache {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity: number) {}

  private static id(entry: Pick<Entry, "uri" | "offset" | "before" | "after">): string {
    return JSON.stringify([entry.uri, entry.offset, entry.before, entry.after]);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The rest of a remembered suggestion the user has typed into so far, if there is one. */
  lookup(key: CacheKey): string | undefined {
    const after = key.text.slice(key.offset, key.offset + contextChars);
    for (const [id, entry] of [...this.entries].reverse()) {
      if (entry.uri !== key.uri || entry.after !== after) continue;
      const typedLength = key.offset - entry.offset;
      if (typedLength < 0 || typedLength >= entry.suggestion.length) continue;
      if (key.text.slice(entry.offset - entry.before.length, entry.offset) !== entry.before) continue;
      const typed = key.text.slice(entry.offset, key.offset);
      if (!entry.suggestion.startsWith(typed)) continue;
      this.entries.delete(id);
      this.entries.set(id, entry);
      return entry.suggestion.slice(typedLength);
    }
    return undefined;
  }

  remember(key: CacheKey, suggestion: string): void {
    if (suggestion === "" || this.capacity <= 0) return;
    const entry: Entry = {
      uri: key.uri,
      offset: key.offset,
      before: key.text.slice(Math.max(0, key.offset - contextChars), key.offset),
      after: key.text.slice(key.offset, key.offset + contextChars),
      suggestion,
    };
    const id = CompletionCache.id(entry);
    this.entries.delete(id);
    this.entries.set(id, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** Forget a document's suggestions (it was closed). */
  forget(uri: string): void {
    for (const [id, entry] of this.entries) if (entry.uri === uri) this.entries.delete(id);
  }
}
