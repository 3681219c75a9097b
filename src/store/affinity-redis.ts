import type { Redis } from "ioredis";
import type { AffinityStore } from "./affinity-store.js";

/** GET with the time to live renewed, else SET: one script, so two gateways claiming at once agree. */
const CLAIM_SCRIPT = `
local kept = redis.call('GET', KEYS[1])
if kept then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return kept
end
if ARGV[1] == '' then return false end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`;

/**
 * Conversation affinity in Redis, shared by every gateway on that server. Keys are `prefix` + the caller's
 * key (callers pass a hash, never a conversation's text); the caller keeps owning `client`.
 */
export function createRedisAffinityStore(client: Redis, prefix = "spark:affinity:"): AffinityStore {
  const claim = async (key: string, replica: string, ttlMs: number): Promise<string | undefined> => {
    const kept = (await client.eval(CLAIM_SCRIPT, 1, `${prefix}${key}`, replica, String(Math.max(1, Math.round(ttlMs))))) as string | null;
    return kept ?? undefined;
  };
  return {
    get: (key, ttlMs) => claim(key, "", ttlMs),
    claim: async (key, replica, ttlMs) => (await claim(key, replica, ttlMs)) ?? replica,
    set: async (key, replica, ttlMs) => void (await client.set(`${prefix}${key}`, replica, "PX", Math.max(1, Math.round(ttlMs)))),
    close: () => Promise.resolve(),
  };
}
