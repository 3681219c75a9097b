import { createHash } from "node:crypto";
import type { PoolMember } from "../models/index.js";
import type { AffinityStore, SharedCooldowns } from "../store/index.js";
import { overloaded, type BalanceThresholds } from "./balance.js";
import type { GatewayMetrics } from "./gateway-metrics.js";
import type { GatewayError } from "./openai-error.js";
import { poolSaturated, type QueueRejection } from "./pool-saturated.js";
import type { PoolStatus, ReplicaStatus } from "./pool-status.js";
import { rankByRendezvous } from "./rendezvous.js";
import { ReplicaHealth, type CooldownSettings } from "./replica-health.js";
import { SlotWaiters, type QueueBounds, type QueuePlace } from "./slot-waiters.js";

export interface PoolSettings extends CooldownSettings {
  /** Replicas one request may try. */
  maxAttempts: number;
  /** A conversation moves off its replica only when that replica is this far out of balance (balance.ts). */
  balance: BalanceThresholds;
  affinityTtlMs: number;
  /** "affinity": by conversation (moved only on a real imbalance); the others ignore conversations. */
  routing?: "affinity" | "least-loaded" | "round-robin";
  /** How many requests may wait for a slot, and for how long (slot-waiters.ts). */
  queue: QueueBounds;
}

/** One replica: its member config, how it is called (`handle`), its health and load. */
export interface Replica<H> {
  id: string;
  /** Its place in the config's list, from 1: how /metrics and /v1/spark/pools name it (never by address). */
  label: string;
  member: PoolMember;
  /** How to call it; undefined when it cannot be (`unusable` says why: a key that is not set). */
  handle: H | undefined;
  unusable?: string;
  health: ReplicaHealth;
  inFlight: number;
  routed: number;
  failures: number;
}

/** A replica taken for one attempt: release it exactly once with how the attempt went. */
export interface Lease<H> {
  replica: Replica<H>;
  /** "fault": the replica failed (cool-down); "ok": it answered; "neutral": the request's own fault. */
  release(result: "ok" | "fault" | "neutral"): void;
}

/** Whether one more request may go to `replica` by its `max_concurrent`. */
const hasRoom = <H>(replica: Replica<H>): boolean => replica.inFlight < replica.member.maxConcurrent;

/** The gateway's log (GatewayLog), as the pool uses it. */
export type PoolLog = (level: "info" | "warn", message: string) => void;

export interface PoolDependencies {
  settings: PoolSettings;
  affinity: AffinityStore;
  /** With `--redis`: cool-downs every gateway sees. */
  cooldowns?: SharedCooldowns | undefined;
  metrics: GatewayMetrics;
  log: PoolLog;
  now?: () => number;
}

/** How long a failing affinity store stays quiet in the log after saying so. */
const STORE_WARNING_EVERY_MS = 60_000;

/**
 * How long a request waits for the shared store (Redis: affinity, cool-downs) before routing without it. A
 * Redis that accepts and never answers would otherwise stall every request; a healthy one answers in about
 * a millisecond.
 */
const STORE_ANSWER_MS = 100;

/** A conversation's routing: its key in the affinity store, and the replica kept for it (undefined: none yet). */
interface Affinity {
  conversation: string;
  key: string;
  keptId: string | undefined;
}

/**
 * The replicas of one pooled model and the choice among them. A request with a conversation key goes to
 * the replica its conversation is kept on (the affinity store, shared through Redis when the gateway has
 * one) while that replica is up and not overloaded (balance.ts: at `max_concurrent`, or out of balance
 * with the least loaded replica beyond both thresholds), else to the first replica of its rendezvous
 * order that is not overloaded, where the conversation then stays. A request without a key goes to the
 * least loaded replica. `max_concurrent` is a hard bound: when every replica a request may use is at it,
 * the request waits for a slot (SlotWaiters) until its client goes away, or is refused (pool_saturated)
 * when `max_queued` wait already or no slot came within `queue_timeout_ms`.
 */
export class UpstreamPool<H> {
  private lastStoreWarning = -Infinity;
  /** Requests routed round-robin so far: the next goes to the replica after the last one's. */
  private turn = 0;
  private readonly now: () => number;
  private readonly waiters: SlotWaiters;

  constructor(
    readonly name: string,
    readonly replicas: Replica<H>[],
    private readonly deps: PoolDependencies,
  ) {
    this.now = deps.now ?? Date.now;
    this.waiters = new SlotWaiters(deps.settings.queue, (size) => deps.metrics.poolWaiting.set({ model: deps.metrics.modelLabel(name) }, size));
    for (const replica of replicas) this.gauge(replica);
  }

  get settings(): PoolSettings {
    return this.deps.settings;
  }

  private labels(replica: Replica<H>) {
    return { model: this.deps.metrics.modelLabel(this.name), replica: replica.label };
  }

  private gauge(replica: Replica<H>): void {
    const labels = this.labels(replica);
    this.deps.metrics.poolInFlight.set(labels, replica.inFlight);
    this.deps.metrics.poolUp.set(labels, replica.handle !== undefined && replica.health.isUp(this.now()) ? 1 : 0);
  }

  private usable(tried: ReadonlySet<string>): Replica<H>[] {
    return this.replicas.filter((replica) => replica.handle !== undefined && !tried.has(replica.id));
  }

  /** Whether one more request may go to `replica` rather than to a less loaded one of `candidates`. */
  private fits(replica: Replica<H>, candidates: readonly Replica<H>[]): boolean {
    const load = (one: Replica<H>) => ({ inFlight: one.inFlight, weight: one.member.weight, maxConcurrent: one.member.maxConcurrent });
    return !overloaded(load(replica), candidates.map(load), this.settings.balance);
  }

  private leastLoaded(candidates: readonly Replica<H>[]): Replica<H> | undefined {
    let best: Replica<H>[] = [];
    let bestLoad = Infinity;
    for (const replica of candidates) {
      const load = replica.inFlight / replica.member.weight;
      if (load < bestLoad) [best, bestLoad] = [[replica], load];
      else if (load === bestLoad) best.push(replica);
    }
    return best[Math.floor(Math.random() * best.length)];
  }

  /** The next replica in turn, passing over one at its max_concurrent; undefined when all are. */
  private inTurn(candidates: readonly Replica<H>[]): Replica<H> | undefined {
    for (let step = 0; step < candidates.length; step++) {
      const replica = candidates[(this.turn + step) % candidates.length]!;
      if (hasRoom(replica)) {
        this.turn += step + 1;
        return replica;
      }
    }
    return undefined;
  }

  /** A replica by load alone, among those below their max_concurrent. */
  private byLoad(candidates: readonly Replica<H>[]): Replica<H> | undefined {
    return this.settings.routing === "round-robin" ? this.inTurn(candidates) : this.leastLoaded(candidates.filter(hasRoom));
  }

  /** Replicas up now, or when none is, the one whose cool-down ends first (better a try than a refusal). */
  private candidates(tried: ReadonlySet<string>): Replica<H>[] {
    const usable = this.usable(tried);
    const now = this.now();
    const up = usable.filter((replica) => replica.health.isUp(now));
    if (up.length > 0 || usable.length === 0) return up;
    const soonest = usable.reduce((a, b) => (a.health.cooldownUntil <= b.health.cooldownUntil ? a : b));
    return [soonest];
  }

  private storeFailed(error: unknown): void {
    if (this.now() - this.lastStoreWarning < STORE_WARNING_EVERY_MS) return;
    this.lastStoreWarning = this.now();
    this.deps.log("warn", `pool ${this.name}: the conversation store failed (${error instanceof Error ? error.message : String(error)}); conversations route by hash alone, and cool-downs by this gateway's own view, until it is back`);
  }

  /** A round trip to the shared store, or undefined (warned about) when it fails or is late: the pool goes on without it. */
  private async store<T>(work: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${STORE_ANSWER_MS} ms`)), STORE_ANSWER_MS);
    });
    try {
      // race() handles a late answer's rejection too: a command that fails after the time-out is dropped.
      return await Promise.race([work(), late]);
    } catch (error) {
      this.storeFailed(error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private async affinityOf(conversation: string): Promise<Affinity> {
    const key = this.affinityKey(conversation);
    return { conversation, key, keptId: await this.store(() => this.deps.affinity.get(key, this.settings.affinityTtlMs)) };
  }

  /** The replica for a conversation, below its max_concurrent; undefined when none is. */
  private byConversation({ conversation, keptId }: Affinity, candidates: Replica<H>[]): Replica<H> | undefined {
    const kept = candidates.find((replica) => replica.id === keptId);
    if (kept !== undefined && this.fits(kept, candidates)) return kept;
    const ranked = rankByRendezvous(conversation, candidates.map((replica) => ({ id: replica.id, weight: replica.member.weight, replica })));
    return ranked.find((one) => this.fits(one.replica, candidates))?.replica ?? this.leastLoaded(candidates.filter(hasRoom));
  }

  /**
   * Records where a conversation went, its slot on `replica` already taken. A new one is claimed: another
   * gateway may have claimed it since the read, and its choice wins if it has room (the slot moves there
   * in one synchronous step, so the bound holds).
   */
  private async keep({ key, keptId }: Affinity, replica: Replica<H>, candidates: Replica<H>[]): Promise<Replica<H>> {
    const ttl = this.settings.affinityTtlMs;
    const result = keptId === undefined ? "new" : keptId === replica.id ? "hit" : "moved";
    this.deps.metrics.poolAffinity.inc({ model: this.deps.metrics.modelLabel(this.name), result });
    if (result === "hit") return replica;
    if (result === "moved") {
      await this.store(() => this.deps.affinity.set(key, replica.id, ttl));
      return replica;
    }
    const claimedId = await this.store(() => this.deps.affinity.claim(key, replica.id, ttl));
    const claimed = candidates.find((one) => one.id === claimedId);
    if (claimed === undefined || claimed === replica) return replica;
    replica.inFlight--;
    const moves = this.fits(claimed, candidates);
    const chosen = moves ? claimed : replica;
    chosen.inFlight++;
    if (moves) this.slotFreed(replica);
    return chosen;
  }

  /** Keeps `replica` for `conversation` (a response it made, which the next turn continues). */
  async remember(conversation: string, replica: Replica<H>): Promise<void> {
    await this.store(() => this.deps.affinity.set(this.affinityKey(conversation), replica.id, this.settings.affinityTtlMs));
  }

  private affinityKey(conversation: string): string {
    return createHash("sha256").update(this.name).update("\u0000").update(conversation).digest("hex").slice(0, 40);
  }

  private cooldownKey(replica: Replica<H>): string {
    return createHash("sha256").update(this.name).update("\u0000").update(replica.id).digest("hex").slice(0, 40);
  }

  /** Takes in the cool-downs other gateways started (one round trip); without shared ones, nothing to do. */
  private async syncCooldowns(): Promise<void> {
    const shared = this.deps.cooldowns;
    if (shared === undefined) return;
    const remaining = await this.store(() => shared.remaining(this.replicas.map((replica) => this.cooldownKey(replica))));
    const now = this.now();
    remaining?.forEach((ms, index) => {
      const replica = this.replicas[index]!;
      if (ms <= 0 || !replica.health.isUp(now)) return;
      replica.health.coolUntil(now + ms);
      this.gauge(replica);
    });
  }

  /** Tells the other gateways (with `--redis`) what this one learned of a replica's health. */
  private share(replica: Replica<H>, cooldownMs: number | "readmitted"): void {
    const shared = this.deps.cooldowns;
    if (shared === undefined) return;
    const key = this.cooldownKey(replica);
    void this.store(() => (cooldownMs === "readmitted" ? shared.readmit(key) : shared.coolDown(key, cooldownMs)));
  }

  /** A success: a replica that was failing is re-admitted, here and (shared) everywhere. */
  private succeeded(replica: Replica<H>): void {
    const wasFailing = replica.health.failures > 0 || !replica.health.isUp(this.now());
    replica.health.succeed();
    if (wasFailing) this.share(replica, "readmitted");
  }

  /**
   * Takes a replica for one attempt, none of `tried`; undefined when none is left to try, or when `signal`
   * aborts while every replica it may use is at its max_concurrent (it waits for a slot until then). Throws
   * pool_saturated (a 503 with Retry-After) when the wait queue is full or the wait lasts `queue_timeout_ms`.
   */
  async acquire(conversation: string | undefined, tried: ReadonlySet<string> = new Set(), signal?: AbortSignal): Promise<Lease<H> | undefined> {
    await this.syncCooldowns();
    const byConversation = conversation !== undefined && (this.settings.routing ?? "affinity") === "affinity";
    const affinity = byConversation ? await this.affinityOf(conversation) : undefined;
    const taken = await this.takeSlot(affinity, tried, signal);
    if (taken === undefined) return undefined;
    return this.lease(affinity === undefined ? taken.choice : await this.keep(affinity, taken.choice, taken.candidates));
  }

  /** A replica whose slot this request took, waiting in the queue while none has room; the queue is left once it has one. */
  private async takeSlot(affinity: Affinity | undefined, tried: ReadonlySet<string>, signal: AbortSignal | undefined) {
    let place: QueuePlace | undefined;
    try {
      for (;;) {
        // From the choice to the slot taken nothing is awaited: a request arriving meanwhile sees the slot gone.
        const candidates = this.candidates(tried);
        if (candidates.length === 0) return undefined;
        const choice = affinity === undefined ? this.byLoad(candidates) : this.byConversation(affinity, candidates);
        if (choice !== undefined) {
          choice.inFlight++;
          return { choice, candidates };
        }
        if (signal?.aborted === true) return undefined;
        place ??= this.waiters.join(signal);
        if (place === undefined) throw this.rejected("queue_full");
        const end = await place.next();
        if (end === "timed-out") throw this.rejected("queue_timeout");
        if (end === "aborted") return undefined;
      }
    } finally {
      place?.leave();
    }
  }

  private rejected(reason: QueueRejection): GatewayError {
    this.deps.metrics.poolRejected.inc({ model: this.deps.metrics.modelLabel(this.name), reason });
    return poolSaturated(this.name, reason, this.settings.queue);
  }

  /** A slot of `replica` was given back: requests waiting for one choose again. */
  private slotFreed(replica: Replica<H>): void {
    this.gauge(replica);
    this.waiters.wakeAll();
  }

  /** The attempt's lease on `replica`, whose slot is taken: it gives the slot back exactly once. */
  private lease(replica: Replica<H>): Lease<H> {
    replica.routed++;
    this.deps.metrics.poolRouted.inc(this.labels(replica));
    this.gauge(replica);
    let released = false;
    return {
      replica,
      release: (result) => {
        if (released) return;
        released = true;
        replica.inFlight--;
        if (result === "ok") this.succeeded(replica);
        if (result === "fault") this.fault(replica, "the request failed");
        this.slotFreed(replica);
      },
    };
  }

  /** A failure of `replica` (a request's or a probe's): it cools down. */
  fault(replica: Replica<H>, why: string): void {
    replica.failures++;
    const labels = this.labels(replica);
    this.deps.metrics.poolFailures.inc(labels);
    const length = replica.health.fail(this.now());
    this.share(replica, length);
    this.deps.metrics.poolCooldowns.inc(labels);
    this.deps.log("warn", `pool ${this.name}: replica ${replica.id} is out for ${length} ms (${why}; ${replica.health.failures} in a row)`);
    this.gauge(replica);
  }

  /** A probe's success: a replica in cool-down is re-admitted. */
  recovered(replica: Replica<H>): void {
    if (!replica.health.isUp(this.now())) this.deps.log("info", `pool ${this.name}: replica ${replica.id} answers again; re-admitted`);
    this.succeeded(replica);
    this.slotFreed(replica);
  }

  status(): PoolStatus {
    const { maxQueued, timeoutMs } = this.deps.settings.queue;
    return { model: this.name, waiting: this.waiters.size, maxQueued, queueTimeoutMs: timeoutMs, replicas: this.replicaStatus() };
  }

  private replicaStatus(): ReplicaStatus[] {
    const now = this.now();
    return this.replicas.map((replica) => ({
      replica: replica.label,
      model: replica.member.target.kind === "remote" ? replica.member.target.model : "local",
      up: replica.handle !== undefined && replica.health.isUp(now),
      usable: replica.handle !== undefined,
      detail: replica.unusable ?? (replica.health.isUp(now) ? "up" : `cooling down after ${replica.health.failures} failure(s) in a row`),
      weight: replica.member.weight,
      maxConcurrent: replica.member.maxConcurrent,
      inFlight: replica.inFlight,
      routed: replica.routed,
      failures: replica.failures,
      cooldowns: replica.health.cooldowns,
      cooldownRemainingMs: Math.max(0, replica.health.cooldownUntil - now),
    }));
  }
}
