import { createHash, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { SparkError } from "../core/index.js";
import { RESERVE_SCRIPT, SETTLE_SCRIPT, WITHDRAW_SCRIPT } from "./rate-bucket-redis-scripts.js";
import type { BucketLimits, BucketState, RateBucketStore, ReserveResult, WindowState } from "./rate-bucket-store.js";
import { describeRedisFailure, redisClientOptions } from "./redis-connection.js";
import { checkLimits, checkReserveRequest, checkTokens, MAX_AGE_OUT_SCAN, WEEK_MS, WINDOWS } from "./rate-bucket-windows.js";

export interface RedisRateBucketOptions {
  /** Prepended to every key (default "spark:rb:"); gateways that share buckets must use the same one. */
  prefix?: string;
  /**
   * Milliseconds since the epoch. Leave it out in production: the scripts then read the Redis server's
   * clock (TIME), so every gateway process sees one clock however far their own clocks drift. Tests pass
   * a clock they move by hand; all processes sharing buckets must then use the same clock.
   */
  clock?: () => number;
}

/**
 * Rate-limit buckets in Redis, shared by several gateway processes. Each reserve is one Lua script that
 * moves the bucket's windows to now, checks every limited window and inserts the charge, atomically, so
 * parallel gateways cannot overshoot; settle is one script that changes a charge exactly once. The data
 * layout is described in rate-bucket-redis-scripts.ts.
 *
 * `redis`: a connected ioredis client from connectRedis (its commands are bounded in time; the caller keeps
 * owning it: close() leaves it open; do not set ioredis's own `keyPrefix` on it, use `prefix`), or a URL
 * (redis://host:port/db), whose connection, bounded the same way, close() ends. A reservation that fails
 * without an answer is withdrawn (see reserve). Keys of one bucket share a hash slot; buckets() scans keys
 * and expects one Redis server (or a primary with replicas), not a Cluster.
 */
export function createRedisRateBuckets(redis: Redis | string, options: RedisRateBucketOptions = {}): RateBucketStore {
  // Bounded as connectRedis's clients are; queueing while it first connects lets callers use it at once.
  const client = typeof redis === "string" ? new Redis(redis, { ...redisClientOptions(), lazyConnect: false, enableOfflineQueue: true }) : redis;
  const owned = typeof redis === "string";
  const prefix = options.prefix ?? "spark:rb:";
  const clock = options.clock;
  const reserveScript = script(client, RESERVE_SCRIPT);
  const settleScript = script(client, SETTLE_SCRIPT);
  const server = { host: client.options.host ?? "localhost", port: client.options.port ?? 6379 };
  const guard = <T>(work: () => Promise<T>, outcome = BUCKETS_UNREAD): Promise<T> => guarded(work, server, outcome);

  function keysOf(tag: string): [string, string, string] {
    const base = `${prefix}{${tag}}`;
    return [`${base}:log`, `${base}:tok`, `${base}:agg`];
  }

  async function run(key: string, family: string, id: string, tokens: number, limits: BucketLimits): Promise<ScriptOutput> {
    const args = [
      clock === undefined ? "" : String(Math.floor(clock())),
      id,
      String(tokens),
      ...WINDOWS.map((spec) => {
        const limit = spec.limitOf(limits);
        return limit === undefined ? "" : String(limit);
      }),
      String(BUCKET_TTL_MS),
      String(MAX_AGE_OUT_SCAN),
    ];
    return parseOutput(await reserveScript(keysOf(bucketTag(key, family)), args));
  }

  return {
    async reserve(request): Promise<ReserveResult> {
      checkReserveRequest(request);
      const tag = bucketTag(request.key, request.family);
      const reservationId = `${tag}|${randomUUID()}`;
      let out: ScriptOutput;
      try {
        out = await guard(() => run(request.key, request.family, reservationId, request.tokens, request.limits), REQUEST_REFUSED);
      } catch (error) {
        // No answer does not mean the script did not run: Redis may have run it and answered too late. The
        // caller refuses the request, so take the charge back. Sent on the same connection, the withdrawal
        // runs after the reservation whenever that runs; for one that never ran it changes nothing.
        void client.eval(WITHDRAW_SCRIPT, 3, ...keysOf(tag), reservationId).catch(() => undefined);
        throw error;
      }
      const state = toState(request.key, request.family, request.limits, out);
      if (out.ok) return { ok: true, reservationId, state };
      const refused = WINDOWS[out.refusedIndex];
      if (refused === undefined) throw new SparkError("internal", `The rate-bucket script refused with no window (${out.refusedIndex}).`);
      return { ok: false, window: refused.window, retryAfterMs: out.retryAfterMs, state };
    },

    async settle(reservationId, usedTokens) {
      checkTokens(usedTokens, "settle");
      const separator = reservationId.indexOf("|");
      if (separator <= 0) return; // not one of ours: nothing to settle
      const tag = reservationId.slice(0, separator);
      await guard(() => settleScript(keysOf(tag), [reservationId, String(usedTokens)]), CHARGE_UNSETTLED);
    },

    async state(key, family, limits): Promise<BucketState> {
      checkLimits(limits);
      return toState(key, family, limits, await guard(() => run(key, family, "", 0, limits)));
    },

    async buckets() {
      return guard(async () => {
        const pattern = `${escapeGlob(prefix)}{*}:agg`;
        const aggKeys = new Set<string>();
        let cursor = "0";
        do {
          const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
          cursor = next;
          for (const key of keys) aggKeys.add(key);
        } while (cursor !== "0");
        const now = clock === undefined ? await serverTime(client) : clock();
        const found: { key: string; family: string }[] = [];
        const list = [...aggKeys];
        const lasts = list.length === 0 ? [] : await Promise.all(list.map((key) => client.hget(key, "last")));
        list.forEach((aggKey, index) => {
          const last = Number(lasts[index] ?? Number.NaN);
          const bucket = parseTag(aggKey.slice(prefix.length + 1, -"}:agg".length));
          if (bucket !== undefined && last > now - WEEK_MS) found.push(bucket);
        });
        return found.sort((a, b) => compare(a.key, b.key) || compare(a.family, b.family));
      });
    },

    async close() {
      if (owned) await client.quit().catch(() => client.disconnect());
    },
  };
}

/** Keys live a day longer than the longest window after the last reservation. */
const BUCKET_TTL_MS = WEEK_MS + 24 * 60 * 60 * 1000;

/** The bucket part of keys and reservation ids: no "{", "}", ":" or "|" can appear inside either half. */
function bucketTag(key: string, family: string): string {
  return `${encodeURIComponent(key)}:${encodeURIComponent(family)}`;
}

function parseTag(tag: string): { key: string; family: string } | undefined {
  const parts = tag.split(":");
  if (parts.length !== 2) return undefined;
  try {
    return { key: decodeURIComponent(parts[0]!), family: decodeURIComponent(parts[1]!) };
  } catch {
    return undefined;
  }
}

interface ScriptOutput {
  ok: boolean;
  now: number;
  refusedIndex: number;
  retryAfterMs: number;
  used: number[];
  resetMs: number[];
}

function parseOutput(raw: unknown): ScriptOutput {
  if (!Array.isArray(raw) || raw.length !== 12 || !raw.every((value) => typeof value === "number")) {
    throw new SparkError("internal", `The rate-bucket script answered ${JSON.stringify(raw)}, not 12 integers.`);
  }
  const numbers = raw as number[];
  const at = (index: number): number => numbers[index] ?? 0;
  return {
    ok: at(0) === 1,
    now: at(1),
    refusedIndex: at(2),
    retryAfterMs: at(3),
    used: WINDOWS.map((_, index) => at(4 + 2 * index)),
    resetMs: WINDOWS.map((_, index) => at(5 + 2 * index)),
  };
}

function toState(key: string, family: string, limits: BucketLimits, out: ScriptOutput): BucketState {
  const windows: WindowState[] = [];
  WINDOWS.forEach((spec, index) => {
    const limit = spec.limitOf(limits);
    if (limit === undefined) return;
    const used = out.used[index] ?? 0;
    windows.push({ window: spec.window, limit, used, remaining: Math.max(0, limit - used), resetMs: out.resetMs[index] ?? 0 });
  });
  return { key, family, windows };
}

/** EVALSHA, loading the script with EVAL when the server does not know it yet (a restart, a failover). */
function script(client: Redis, lua: string): (keys: string[], args: string[]) => Promise<unknown> {
  const sha = createHash("sha1").update(lua).digest("hex");
  return async (keys, args) => {
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes("NOSCRIPT")) throw error;
      return client.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

async function serverTime(client: Redis): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** What a Redis failure meant, for each kind of call. */
const REQUEST_REFUSED = "The request was refused rather than let through unmetered; retry in a moment.";
const CHARGE_UNSETTLED = "The charge keeps its reserved tokens.";
const BUCKETS_UNREAD = "Bucket levels cannot be read until it answers.";

/**
 * A Redis failure as a 503 that says why and what to do. The rate limiter fails closed: a request whose
 * reservation failed is refused (REQUEST_REFUSED), never let through unmetered.
 */
async function guarded<T>(work: () => Promise<T>, { host, port }: { host: string; port: number }, outcome: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SparkError) throw error;
    throw new SparkError(
      "store_unreachable",
      `The rate limiter could not use its Redis at ${host}:${port}: ${describeRedisFailure(error)}. ${outcome} If this persists, check that Redis answers (redis-cli -h ${host} -p ${port} ping), or restart the gateway without --redis to keep rate buckets in SQLite.`,
      { cause: error, status: 503, retryable: true },
    );
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
