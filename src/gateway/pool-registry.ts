import type { PoolSection } from "../config/index.js";
import type { PoolMember } from "../models/index.js";
import type { MemberBackend } from "./backend.js";
import { startPoolProbes } from "./pool-probe.js";
import { ReplicaHealth } from "./replica-health.js";
import type { PoolStatus } from "./pool-status.js";
import { UpstreamPool, type PoolDependencies, type PoolSettings } from "./upstream-pool.js";

/** `[gateway.pool]` with its defaults. */
export function poolSettings(section: PoolSection | undefined): PoolSettings {
  const cooldownMs = section?.cooldown_ms ?? 5_000;
  return {
    cooldownMs,
    maxCooldownMs: Math.max(cooldownMs, section?.max_cooldown_ms ?? 300_000),
    maxAttempts: section?.max_attempts ?? 3,
    balance: { absolute: section?.balance_abs_threshold ?? 4, relative: section?.balance_rel_threshold ?? 1.5 },
    routing: section?.routing ?? "affinity",
    affinityTtlMs: section?.affinity_ttl_ms ?? 3_600_000,
    // Why these defaults: see queue_timeout_ms and max_queued in config/pool-section.ts.
    queue: { maxQueued: section?.max_queued ?? 256, timeoutMs: section?.queue_timeout_ms ?? 30_000 },
  };
}

export interface ReplicaSpec {
  member: PoolMember;
  handle?: MemberBackend;
  unusable?: string;
}

/** The gateway's pools by configured name: built once on first use, probed when `probeIntervalMs` is set. */
export class PoolRegistry {
  private readonly pools = new Map<string, UpstreamPool<MemberBackend>>();
  private readonly stop = new AbortController();

  constructor(
    private readonly deps: PoolDependencies,
    private readonly probeIntervalMs?: number,
  ) {}

  get(name: string, replicas: () => ReplicaSpec[]): UpstreamPool<MemberBackend> {
    const existing = this.pools.get(name);
    if (existing) return existing;
    const built = replicas().map((spec, index) => ({
      id: spec.member.id,
      label: String(index + 1),
      member: spec.member,
      handle: spec.handle,
      ...(spec.unusable !== undefined ? { unusable: spec.unusable } : {}),
      health: new ReplicaHealth(this.deps.settings),
      inFlight: 0,
      routed: 0,
      failures: 0,
    }));
    const pool = new UpstreamPool<MemberBackend>(name, built, this.deps);
    this.pools.set(name, pool);
    if (this.probeIntervalMs !== undefined && !this.stop.signal.aborted) startPoolProbes(pool, this.probeIntervalMs, this.stop.signal);
    return pool;
  }

  /** Every pool built so far, its queue and its replicas, for GET /v1/spark/pools. */
  status(): PoolStatus[] {
    return [...this.pools.values()].map((pool) => pool.status());
  }

  close(): void {
    this.stop.abort();
  }
}
