/**
 * When load outweighs a conversation's cache. Moving a conversation to another replica costs a cold
 * prefill of its whole history there (for an agent, most of a ~96k-token prompt), while a few more
 * requests in flight on a batching server cost little; so, as SGLang's cache-aware router does, a
 * replica is passed over only on a real imbalance: its load exceeds the least loaded replica's by more
 * than an absolute threshold AND by more than a relative factor. Its `max_concurrent` is a hard bound.
 */

export interface BalanceThresholds {
  /** Requests in flight (per unit of weight) by which a replica must exceed the least loaded one. */
  absolute: number;
  /** Factor by which a replica's load must exceed the least loaded one's. */
  relative: number;
}

/** What the decision reads of a replica. */
export interface ReplicaLoad {
  inFlight: number;
  weight: number;
  maxConcurrent: number;
}

/** Load per unit of weight: a replica of weight 2 is as loaded with 4 in flight as one of weight 1 with 2. */
const load = (replica: ReplicaLoad): number => replica.inFlight / replica.weight;

/**
 * Whether `replica` should not take one more request: it is at its `max_concurrent`, or it is out of
 * balance with the least loaded of `candidates` (the replicas that could take it instead, itself among them).
 */
export function overloaded(replica: ReplicaLoad, candidates: readonly ReplicaLoad[], thresholds: BalanceThresholds): boolean {
  if (replica.inFlight >= replica.maxConcurrent) return true;
  const least = Math.min(...candidates.map(load));
  const mine = load(replica);
  return mine - least > thresholds.absolute && mine > least * thresholds.relative;
}
