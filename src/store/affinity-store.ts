/**
 * Which replica of a pooled model holds a conversation's cache: conversation key -> replica id, each with a
 * time to live. In process by default; the Redis one (affinity-redis.ts) is shared by several gateways, so
 * they route one conversation to one replica.
 */
export interface AffinityStore {
  /** The replica kept for `key`, its time to live renewed; undefined when none is kept. */
  get(key: string, ttlMs: number): Promise<string | undefined>;
  /** Keeps `replica` for `key` unless a replica is kept already; resolves with the one kept now (the first claim wins). */
  claim(key: string, replica: string, ttlMs: number): Promise<string>;
  /** Keeps `replica` for `key`, replacing any (a conversation that moved). */
  set(key: string, replica: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Keys one in-process store keeps; past it the oldest are forgotten first. */
export const MEMORY_AFFINITY_MAX_KEYS = 100_000;

/** The in-process store: a Map in insertion order (refreshed on use), so the first entries are the oldest. */
export function createMemoryAffinityStore(now: () => number = Date.now, maxKeys = MEMORY_AFFINITY_MAX_KEYS): AffinityStore {
  const entries = new Map<string, { replica: string; expires: number }>();
  const put = (key: string, replica: string, ttlMs: number) => {
    entries.delete(key);
    entries.set(key, { replica, expires: now() + ttlMs });
    while (entries.size > maxKeys) {
      const oldest = entries.keys().next();
      if (oldest.done === true) break;
      entries.delete(oldest.value);
    }
  };
  const read = (key: string, ttlMs: number): string | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= now()) {
      entries.delete(key);
      return undefined;
    }
    put(key, entry.replica, ttlMs);
    return entry.replica;
  };
  return {
    get: (key, ttlMs) => Promise.resolve(read(key, ttlMs)),
    claim: (key, replica, ttlMs) => {
      const kept = read(key, ttlMs);
      if (kept !== undefined) return Promise.resolve(kept);
      put(key, replica, ttlMs);
      return Promise.resolve(replica);
    },
    set: (key, replica, ttlMs) => Promise.resolve(put(key, replica, ttlMs)),
    close: () => Promise.resolve(entries.clear()),
  };
}
