import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SparkError } from "../core/index.js";
import { describeRateBucketContract } from "../../test/support/rate-bucket-contract.js";
import { startRedisProxy } from "../../test/support/redis-proxy.js";
import { createRedisRateBuckets } from "./rate-bucket-redis.js";
import { connectRedis } from "./redis-connection.js";
import { MINUTE_MS, WEEK_MS } from "./rate-bucket-windows.js";

const provided = inject("redis");
const url = "url" in provided ? provided.url : "";
const skipReason = "unavailable" in provided ? provided.unavailable : undefined;
if (skipReason !== undefined) console.warn(`Redis rate-bucket tests skipped: ${skipReason}`);

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../..");

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    await redis.quit();
  }
}

/** Polls `done` every 20 ms for up to 30 s. */
async function until(done: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await done()); waited += 20) {
    if (waited > 30_000) throw new Error("gave up waiting after 30 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function bucketKey(prefix: string, key: string, family: string, part: "log" | "tok" | "agg"): string {
  return `${prefix}{${encodeURIComponent(key)}:${encodeURIComponent(family)}}:${part}`;
}

/** Every store of a backend is its own connection (from a URL); every backend its own key prefix. */
describeRateBucketContract(
  "Redis",
  async () => {
    const prefix = `test:${randomUUID()}:`;
    return {
      open: async (clock) => createRedisRateBuckets(url, { prefix, clock }),
      cleanup: () => deleteKeys(prefix),
    };
  },
  skipReason,
);

describe.skipIf(skipReason !== undefined)(`createRedisRateBuckets${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
  const prefix = `test:${randomUUID()}:`;
  let client: Redis;
  beforeAll(() => {
    client = new Redis(url);
  });
  afterAll(async () => {
    await deleteKeys(prefix);
    await client.quit();
  });

  it("reads the Redis server's clock when no clock is given", async () => {
    const store = createRedisRateBuckets(client, { prefix });
    const limits = { requestsPerMinute: 1 };
    const first = await store.reserve({ key: "timed", family: "spark", tokens: 1, limits });
    expect(first.ok).toBe(true);
    const second = await store.reserve({ key: "timed", family: "spark", tokens: 1, limits });
    expect(second.ok).toBe(false);
    expect(second.ok ? 0 : second.retryAfterMs).toBeGreaterThan(MINUTE_MS - 10_000);
    expect(second.ok ? 0 : second.retryAfterMs).toBeLessThanOrEqual(MINUTE_MS);
    expect(await store.buckets()).toContainEqual({ key: "timed", family: "spark" });
    await store.close();
  });

  it("leaves a client it was given open, and gives bucket keys a TTL of a week and a day", async () => {
    const store = createRedisRateBuckets(client, { prefix });
    await store.reserve({ key: "ttl", family: "spark", tokens: 3, limits: {} });
    await store.close();
    expect(await client.ping()).toBe("PONG");
    for (const part of ["log", "tok", "agg"] as const) {
      const ttl = await client.pttl(bucketKey(prefix, "ttl", "spark", part));
      expect(ttl).toBeGreaterThan(WEEK_MS);
      expect(ttl).toBeLessThanOrEqual(WEEK_MS + 24 * 60 * MINUTE_MS);
    }
  });

  it("loads its scripts again after the server forgot them", async () => {
    const store = createRedisRateBuckets(client, { prefix });
    await store.reserve({ key: "flush", family: "spark", tokens: 1, limits: {} });
    await client.script("FLUSH");
    const result = await store.reserve({ key: "flush", family: "spark", tokens: 1, limits: { tokensPerMinute: 10 } });
    expect(result.ok && result.state.windows[0]?.used).toBe(2);
  });

  it("fails with a retryable SparkError (503) when Redis cannot be reached", async () => {
    const dead = new Redis("redis://127.0.0.1:1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on("error", () => {});
    const store = createRedisRateBuckets(dead, { prefix });
    const failure = await store.reserve({ key: "k", family: "spark", tokens: 1, limits: {} }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SparkError);
    expect(failure).toMatchObject({ status: 503, isRetryable: true });
    dead.disconnect();
  });

  it("takes back a reservation Redis ran but answered too late, and says the request was refused, not let through", async () => {
    const proxy = await startRedisProxy(url);
    const late = await connectRedis(proxy.url);
    try {
      const store = createRedisRateBuckets(late, { prefix });
      const limits = { requestsPerMinute: 10, tokensPerMinute: 1000 };
      // Once answered, so the server knows the reserve script and the late one runs (not NOSCRIPT).
      expect((await store.reserve({ key: "warm", family: "spark", tokens: 1, limits })).ok).toBe(true);
      proxy.setMode("hold");
      const failure = await store.reserve({ key: "late", family: "spark", tokens: 7, limits }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: "store_unreachable", status: 503, isRetryable: true });
      expect((failure as Error).message).toMatch(/Redis at 127\.0\.0\.1:\d+: it accepted the connection but did not answer within \d+ ms\. The request was refused rather than let through unmetered/);
      // The reservation ran (its answer was held back: the first one), then the withdrawal takes it back.
      await until(async () => proxy.heldReplies() >= 1);
      const direct = createRedisRateBuckets(client, { prefix });
      let used: number[] = [];
      await until(async () => (used = (await direct.state("late", "spark", limits)).windows.map((window) => window.used)).every((n) => n === 0));
      expect(used).toEqual([0, 0]);
    } finally {
      late.disconnect();
      await proxy.close();
    }
  }, 60_000);

  it("two gateway processes hammering one bucket stay exact: no overshoot, every settle counted once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spark-redis-hammer-"));
    try {
      const script = join(dir, "hammer.mts");
      writeFileSync(script, hammerScript(join(repoRoot, "src/store/rate-bucket-redis.ts")));
      const key = "shared";
      const family = "spark";
      const limits = { requestsPerMinute: 10_000, tokensPerMinute: 7 * 150 + 6 };

      const reserved = (await runWorkers(script, [
        { mode: "reserve", url, prefix, key, family, tokens: 7, limits, count: 300 },
        { mode: "reserve", url, prefix, key, family, tokens: 7, limits, count: 300 },
      ])) as { ids: string[]; refused: number }[];
      const ids = reserved.flatMap((r) => r.ids);
      expect(ids).toHaveLength(150);
      expect(new Set(ids).size).toBe(150);
      expect(reserved.reduce((sum, r) => sum + r.refused, 0)).toBe(450);
      const store = createRedisRateBuckets(client, { prefix });
      expect((await store.state(key, family, limits)).windows.map((w) => w.used)).toEqual([150, 1050]);

      // Both processes settle every reservation at once, to different amounts: each lands exactly once.
      await runWorkers(script, [
        { mode: "settle", url, prefix, ids, tokens: 5 },
        { mode: "settle", url, prefix, ids, tokens: 9 },
      ]);
      const stored = (await client.hmget(bucketKey(prefix, key, family, "tok"), ...ids)).map(Number);
      expect(stored.every((tokens) => tokens === 5 || tokens === 9)).toBe(true);
      const total = stored.reduce((sum, tokens) => sum + tokens, 0);
      expect((await store.state(key, family, limits)).windows.map((w) => w.used)).toEqual([150, total]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

type WorkerSpec =
  | { mode: "reserve"; url: string; prefix: string; key: string; family: string; tokens: number; limits: object; count: number }
  | { mode: "settle"; url: string; prefix: string; ids: string[]; tokens: number };

/**
 * A gateway stand-in: three connections, told to start all at once, then every request in parallel.
 * Prints "ready" once connected, waits for a line on stdin, prints "result <json>".
 */
function hammerScript(storeModule: string): string {
  return `
import { createInterface } from "node:readline";
import { createRedisRateBuckets } from ${JSON.stringify(storeModule)};
const spec = JSON.parse(process.argv[2]);
const stores = [0, 1, 2].map(() => createRedisRateBuckets(spec.url, { prefix: spec.prefix }));
await Promise.all(stores.map((store) => store.state("warm-up", "none", {})));
const lines = createInterface({ input: process.stdin });
const go = new Promise((resolve) => lines.once("line", resolve));
process.stdout.write("ready\\n");
await go;
lines.close();
let result;
if (spec.mode === "reserve") {
  const request = { key: spec.key, family: spec.family, tokens: spec.tokens, limits: spec.limits };
  const results = await Promise.all(Array.from({ length: spec.count }, (_, i) => stores[i % 3].reserve(request)));
  result = { ids: results.filter((r) => r.ok).map((r) => r.reservationId), refused: results.filter((r) => !r.ok).length };
} else {
  await Promise.all(spec.ids.map((id, i) => stores[i % 3].settle(id, spec.tokens)));
  result = { settled: spec.ids.length };
}
process.stdout.write("result " + JSON.stringify(result) + "\\n");
await Promise.all(stores.map((store) => store.close()));
`;
}

/** Runs one process per spec, starts them together, and returns their results; fails after 60 s. */
async function runWorkers(script: string, specs: WorkerSpec[]): Promise<unknown[]> {
  const children = specs.map((spec) =>
    spawn(process.execPath, ["--import", "tsx", script, JSON.stringify(spec)], { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] }),
  );
  const deadline = setTimeout(() => children.forEach((child) => child.kill("SIGKILL")), 60_000);
  try {
    const outputs = children.map((child) => {
      let stdout = "";
      let stderr = "";
      const ready = new Promise<void>((resolveReady, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes("ready\n")) resolveReady();
        });
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.once("exit", (code) => reject(new Error(`worker exited (${String(code)}) before it was ready: ${stderr}`)));
      });
      const done = new Promise<unknown>((resolveDone, reject) => {
        child.once("exit", (code) => {
          const line = stdout.split("\n").find((l) => l.startsWith("result "));
          if (code === 0 && line !== undefined) resolveDone(JSON.parse(line.slice("result ".length)));
          else reject(new Error(`worker exited with ${String(code)}: ${stderr}`));
        });
      });
      done.catch(() => {}); // reported when awaited; an early exit is reported through \`ready\`
      return { ready, done };
    });
    await Promise.all(outputs.map((o) => o.ready));
    for (const child of children) child.stdin.write("go\n");
    return await Promise.all(outputs.map((o) => o.done));
  } finally {
    clearTimeout(deadline);
  }
}
