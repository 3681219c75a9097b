import type { Redis } from "ioredis";

/**
 * Replicas' cool-downs shared by the gateways on one Redis: a replica one gateway saw fail is skipped by
 * the others until its cool-down ends (or it answers again). Keys are `prefix` + the caller's key (a hash
 * of the pool and replica, never an address); each holds nothing but its expiry.
 */
export interface SharedCooldowns {
  /** Marks `key` as cooling down for `ms` from now. */
  coolDown(key: string, ms: number): Promise<void>;
  /** The cool-down left on each of `keys`, in ms (0 for none), in one round trip. */
  remaining(keys: readonly string[]): Promise<number[]>;
  /** Ends `key`'s cool-down: the replica answered. */
  readmit(key: string): Promise<void>;
}

export function createRedisCooldowns(client: Redis, prefix = "spark:cooldown:"): SharedCooldowns {
  return {
    coolDown: async (key, ms) => void (await client.set(`${prefix}${key}`, "1", "PX", Math.max(1, Math.round(ms)))),
    remaining: async (keys) => {
      if (keys.length === 0) return [];
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.pttl(`${prefix}${key}`);
      const answers = (await pipeline.exec()) ?? [];
      // PTTL: -2 for a key that is not there (no cool-down), -1 for one without expiry (never written so).
      return keys.map((_, index) => {
        const [error, value] = answers[index] ?? [null, -2];
        if (error) throw error;
        return Math.max(0, Number(value));
      });
    },
    readmit: async (key) => void (await client.del(`${prefix}${key}`)),
  };
}
