import { createServer, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PoolMember } from "../models/index.js";
import { createMemoryAffinityStore, type SharedCooldowns } from "../store/index.js";
import { createRedisAffinityStore, createRedisCooldowns } from "../store/redis.js";
import { GatewayMetrics } from "./gateway-metrics.js";
import { ReplicaHealth } from "./replica-health.js";
import { GatewayError } from "./openai-error.js";
import type { QueueBounds } from "./slot-waiters.js";
import { UpstreamPool, type Lease, type Replica } from "./upstream-pool.js";

const settings = { cooldownMs: 1000, maxCooldownMs: 8000, maxAttempts: 3, balance: { absolute: 4, relative: 1.5 }, affinityTtlMs: 60_000, queue: { maxQueued: 100, timeoutMs: 600_000 } };

/** Cool-downs shared by pools of one test (as Redis shares them between gateways). */
function sharedCooldowns(now: () => number): SharedCooldowns {
  const until = new Map<string, number>();
  return {
    coolDown: (key, ms) => Promise.resolve(void until.set(key, now() + ms)),
    remaining: (keys) => Promise.resolve(keys.map((key) => Math.max(0, (until.get(key) ?? 0) - now()))),
    readmit: (key) => Promise.resolve(void until.delete(key)),
  };
}

function pool(count: number, maxConcurrent = 100, now = () => 0, routing: "affinity" | "least-loaded" | "round-robin" = "affinity", cooldowns?: SharedCooldowns, queue: QueueBounds = settings.queue, metrics = new GatewayMetrics()) {
  const replicas: Replica<string>[] = Array.from({ length: count }, (_, index) => {
    const member: PoolMember = { id: `r${index}`, target: { kind: "local", path: `/m${index}` }, weight: 1, maxConcurrent };
    return { id: member.id, label: String(index + 1), member, handle: member.id, health: new ReplicaHealth(settings), inFlight: 0, routed: 0, failures: 0 };
  });
  return new UpstreamPool("p", replicas, { settings: { ...settings, routing, queue }, affinity: createMemoryAffinityStore(now), cooldowns, metrics, log: () => undefined, now });
}

/** A metric's value for pool "p" (and `labels`), 0 when it has none yet. */
async function metricOf(metric: { get(): Promise<{ values: { value: number; labels: object }[] }> }, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  const wanted = Object.entries({ model: "p", ...labels });
  return values.find((one) => wanted.every(([key, value]) => (one.labels as Record<string, unknown>)[key] === value))?.value ?? 0;
}

/** What a refused acquire threw, or the lease it got. */
const settled = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }));

describe("upstream pool routing", () => {
  it("keeps a conversation on its replica under ordinary unevenness, moves it only on a real imbalance, and it stays there", async () => {
    const p = pool(4);
    const home = (await p.acquire("c"))!;
    home.release("ok");
    // Five in flight on one replica of four, nothing elsewhere: not yet more than 4 above the least loaded.
    const held = [];
    for (let i = 0; i < 5; i++) {
      const lease = (await p.acquire("c"))!;
      expect(lease.replica.id).toBe(home.replica.id);
      held.push(lease);
    }
    const moved = (await p.acquire("c"))!;
    expect(moved.replica.id).not.toBe(home.replica.id);
    for (const lease of held) lease.release("ok");
    // Balanced again, the conversation stays where it moved (its cache is there now).
    expect((await p.acquire("c"))?.replica.id).toBe(moved.replica.id);
  });

  it("sends a new conversation past a replica that is out of balance to the next in its order", async () => {
    const p = pool(2);
    const first = (await p.acquire("x"))!;
    first.release("ok");
    const busy = await Promise.all(Array.from({ length: 5 }, () => p.acquire("x")));
    expect(busy.every((lease) => lease?.replica.id === first.replica.id)).toBe(true);
    // Fresh conversations whose first choice is the busy replica go to the other one.
    for (let i = 0; i < 8; i++) {
      const lease = (await p.acquire(`fresh-${i}`))!;
      expect(lease.replica.id).not.toBe(first.replica.id);
      lease.release("ok");
    }
  });

  it("skips replicas that are tried or cooling down, and sends keyless requests to the least loaded", async () => {
    let now = 0;
    const p = pool(2, 100, () => now);
    const first = (await p.acquire("c"))!;
    first.release("fault");
    const second = (await p.acquire("c"))!;
    expect(second.replica.id).not.toBe(first.replica.id);
    expect(await p.acquire("c", new Set([first.replica.id, second.replica.id]))).toBeUndefined();
    // With every other replica tried, one still cooling down is tried rather than refusing.
    const fallback = (await p.acquire("c", new Set([second.replica.id])))!;
    expect(fallback.replica.id).toBe(first.replica.id);
    fallback.release("neutral");
    now = 1000;
    expect(p.status().replicas.every((replica) => replica.up)).toBe(true);
    const keyless = (await p.acquire(undefined))!;
    expect(keyless.replica.id).toBe(first.replica.id);
  });

  it("ignores conversations when routing round-robin or least-loaded (for comparisons)", async () => {
    const robin = pool(3, 100, () => 0, "round-robin");
    const turns = [];
    for (let i = 0; i < 6; i++) {
      const lease = (await robin.acquire("c"))!;
      turns.push(lease.replica.id);
      lease.release("ok");
    }
    expect(turns).toEqual(["r0", "r1", "r2", "r0", "r1", "r2"]);
    const least = pool(3, 100, () => 0, "least-loaded");
    const held = await Promise.all([least.acquire("c"), least.acquire("c"), least.acquire("c")]);
    expect(new Set(held.map((lease) => lease?.replica.id)).size).toBe(3);
  });

  it("never passes a replica's max_concurrent: a burst fills each replica, the rest wait for a slot, and a wait ends with its signal", async () => {
    for (const routing of ["affinity", "least-loaded", "round-robin"] as const) {
      const p = pool(2, 2, () => 0, routing);
      const inFlight = () => p.status().replicas.map((replica) => replica.inFlight);
      const granted: Lease<string>[] = [];
      // One conversation's burst: every request reads the store before any has taken a slot.
      for (let i = 0; i < 6; i++) void p.acquire("burst").then((lease) => lease && granted.push(lease));
      const leaving = new AbortController();
      const gone = p.acquire("burst", new Set(), leaving.signal);
      await expect.poll(() => granted.length).toBe(4);
      expect(inFlight()).toEqual([2, 2]);
      leaving.abort();
      expect(await gone).toBeUndefined();
      // A slot given back goes to a waiter, never past the bound.
      granted.shift()!.release("ok");
      await expect.poll(() => granted.length).toBe(4);
      expect(inFlight()).toEqual([2, 2]);
      for (const lease of granted.splice(0)) lease.release("neutral");
      await expect.poll(() => granted.length).toBe(1);
      granted.pop()!.release("ok");
      expect(inFlight(), routing).toEqual([0, 0]);
    }
  });

  afterEach(() => void vi.useRealTimers());

  it("refuses the request past max_queued at once with pool_saturated, and lets the queued ones through", async () => {
    const metrics = new GatewayMetrics();
    const p = pool(1, 1, () => 0, "least-loaded", undefined, { maxQueued: 2, timeoutMs: 600_000 }, metrics);
    const holder = (await p.acquire(undefined))!;
    const queued = [p.acquire(undefined), p.acquire(undefined)];
    await expect.poll(() => metricOf(metrics.poolWaiting)).toBe(2);
    const refused = await settled(p.acquire(undefined));
    expect(refused).toEqual({ error: expect.any(GatewayError) });
    const failure = (refused as { error: GatewayError }).error;
    expect([failure.status, failure.code, failure.headers["retry-after"]]).toEqual([503, "pool_saturated", "1"]);
    expect(failure.message).toMatch(/its wait queue is full \(\[gateway\.pool\] max_queued = 2\).*raise max_concurrent .*add replicas/);
    expect(await metricOf(metrics.poolRejected, { reason: "queue_full" })).toBe(1);
    // The refusal took no slot and no place: the queued requests get the slots in turn.
    expect(p.status().replicas[0]?.inFlight).toBe(1);
    expect(await metricOf(metrics.poolWaiting)).toBe(2);
    holder.release("ok");
    const first = (await queued[0])!;
    expect(await metricOf(metrics.poolWaiting)).toBe(1);
    first.release("ok");
    (await queued[1])!.release("ok");
    expect(await metricOf(metrics.poolWaiting)).toBe(0);
    expect(p.status().replicas[0]?.inFlight).toBe(0);
  });

  it("refuses a request whose wait for a slot passes queue_timeout_ms, counting from when it joined the queue, and leaves nothing behind", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const metrics = new GatewayMetrics();
    const p = pool(2, 1, () => 0, "affinity", undefined, { maxQueued: 10, timeoutMs: 300 }, metrics);
    const held = [(await p.acquire("a", new Set()))!, (await p.acquire("b"))!];
    // Tried replica 1 already (a failover): only replica 2 will do.
    const waiting = settled(p.acquire("c", new Set([held[0]!.replica.id])));
    const kept = settled(p.acquire("d"));
    await expect.poll(() => metricOf(metrics.poolWaiting)).toBe(2);
    vi.advanceTimersByTime(200);
    // A slot it may not use wakes it; it waits on, its deadline unchanged.
    held[0]!.release("ok");
    const other = await kept;
    expect(other).toEqual({ value: expect.objectContaining({ replica: held[0]!.replica }) });
    expect(await metricOf(metrics.poolWaiting)).toBe(1);
    vi.advanceTimersByTime(99);
    await Promise.resolve();
    expect(await metricOf(metrics.poolWaiting)).toBe(1);
    vi.advanceTimersByTime(1);
    const refused = await waiting;
    expect((refused as { error: GatewayError }).error).toMatchObject({ status: 503, code: "pool_saturated", message: expect.stringMatching(/within 300 ms \(\[gateway\.pool\] queue_timeout_ms\)/) });
    expect(await metricOf(metrics.poolRejected, { reason: "queue_timeout" })).toBe(1);
    expect(await metricOf(metrics.poolWaiting)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // It held no slot, so it gave none back: the two held ones are still counted.
    expect(p.status().replicas.map((replica) => replica.inFlight)).toEqual([1, 1]);
    held[1]!.release("ok");
    (other as { value: Lease<string> }).value.release("ok");
    expect(p.status().replicas.map((replica) => replica.inFlight)).toEqual([0, 0]);
  });

  it("lets a waiting request take a replica back from its cool-down, while the busy one stays busy", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let now = 0;
    const metrics = new GatewayMetrics();
    const p = pool(2, 1, () => now, "affinity", undefined, settings.queue, metrics);
    const faulty = (await p.acquire(undefined))!;
    const busy = (await p.acquire(undefined))!;
    faulty.release("fault");
    const waiting = p.acquire(undefined);
    await expect.poll(() => metricOf(metrics.poolWaiting)).toBe(1);
    now = 1000;
    vi.advanceTimersByTime(1000);
    const lease = (await waiting)!;
    expect(lease.replica.id).toBe(faulty.replica.id);
    expect(p.status().replicas.map((replica) => replica.inFlight)).toEqual([1, 1]);
    lease.release("ok");
    busy.release("ok");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("skips a replica another pool sharing its cool-downs saw fail, until it answers there again", async () => {
    let now = 0;
    const shared = sharedCooldowns(() => now);
    const [seen, other] = [pool(2, 100, () => now, "affinity", shared), pool(2, 100, () => now, "affinity", shared)];
    (await seen.acquire("c"))!.release("fault");
    const failed = seen.status().replicas.findIndex((replica) => !replica.up);
    for (let i = 0; i < 4; i++) {
      const lease = (await other.acquire(`fresh-${i}`))!;
      expect(lease.replica.label).not.toBe(String(failed + 1));
      lease.release("neutral");
    }
    expect(other.status().replicas[failed]?.up).toBe(false);
    // A probe finds it answering on the first pool before its cool-down ends: re-admitted for every pool.
    now = 500;
    seen.recovered(seen.replicas[failed]!);
    const third = pool(2, 100, () => now, "affinity", shared);
    (await third.acquire("d"))!.release("neutral");
    expect(third.status().replicas.every((replica) => replica.up)).toBe(true);
  });

  it("routes without a Redis that accepts and never answers, warning once, instead of stalling every request", async () => {
    // The hung Redis: a loopback server that reads every command and says nothing.
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on("data", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const client = new Redis({ host: "127.0.0.1", port, enableReadyCheck: false, maxRetriesPerRequest: null, retryStrategy: () => null });
    const warnings: string[] = [];
    try {
      const replicas: Replica<string>[] = [0, 1].map((index) => {
        const member: PoolMember = { id: `r${index}`, target: { kind: "local", path: `/m${index}` }, weight: 1, maxConcurrent: 100 };
        return { id: member.id, label: String(index + 1), member, handle: member.id, health: new ReplicaHealth(settings), inFlight: 0, routed: 0, failures: 0 };
      });
      const p = new UpstreamPool("p", replicas, {
        settings: { ...settings, routing: "affinity" },
        affinity: createRedisAffinityStore(client),
        cooldowns: createRedisCooldowns(client),
        metrics: new GatewayMetrics(),
        log: (level, message) => void (level === "warn" && warnings.push(message)),
      });
      // Each acquire reads the cool-downs and the conversation's replica, and writes its claim.
      for (const conversation of ["a", "b", undefined]) {
        const lease = await p.acquire(conversation);
        expect(lease?.replica.id).toMatch(/^r[01]$/);
        lease?.release("ok");
      }
      expect(warnings).toEqual([expect.stringContaining("the conversation store failed (no answer within 100 ms)")]);
    } finally {
      client.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});
