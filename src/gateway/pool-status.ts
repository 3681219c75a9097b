/** What GET /v1/spark/pools shows of a replica (`spark models` lists the members from the config alone). */
export interface ReplicaStatus {
  replica: string;
  /** The model name it serves (its address is the operator's: see the config). */
  model: string;
  up: boolean;
  usable: boolean;
  detail: string;
  weight: number;
  maxConcurrent: number;
  inFlight: number;
  routed: number;
  failures: number;
  cooldowns: number;
  cooldownRemainingMs: number;
}

/** What GET /v1/spark/pools shows of a pool: its wait queue now and its bounds, and its replicas. */
export interface PoolStatus {
  model: string;
  /** Requests waiting for a slot now (spark_pool_waiting). */
  waiting: number;
  /** `[gateway.pool] max_queued` and `queue_timeout_ms`: past them a request gets 503 pool_saturated. */
  maxQueued: number;
  queueTimeoutMs: number;
  replicas: ReplicaStatus[];
}
