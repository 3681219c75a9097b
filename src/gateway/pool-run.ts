import { emptyUsage } from "../core/index.js";
import type { Backend, MemberBackend, PoolBackend } from "./backend.js";
import { responseKey } from "./conversation-key.js";
import type { GatewayContext } from "./gateway-context.js";
import { GatewayError, toGatewayError } from "./openai-error.js";
import type { Outcome, RunContext } from "./serve-events.js";

/** Runs one request on one replica (the route's pass-through or re-encoding, as that replica needs). */
export type ReplicaAttempt = (member: MemberBackend, context: RunContext) => Promise<Outcome>;

/** A failure that is the replica's, not the request's: no connection, a timeout, a 5xx or a 429. */
export function isReplicaFault(failure: GatewayError): boolean {
  return failure.status >= 500 || failure.status === 429 || failure.status === 408 || failure.code === "provider_unreachable";
}

/** How an attempt that returned went, for the replica's health. */
function resultOf(outcome: Outcome): "ok" | "fault" | "neutral" {
  if (outcome.errorCode === "upstream_stream_broken") return "fault";
  // A failure sent inside an open stream counts too: a replica that dies mid-answer cools down.
  const failure = outcome.failure ?? outcome.streamFailure;
  if (failure !== undefined) return isReplicaFault(failure) ? "fault" : "neutral";
  return outcome.disconnected ? "neutral" : "ok";
}

/**
 * Runs a request on a pool: on the replica its conversation is kept on (or the least loaded), and on
 * another when that one fails before the client got a byte — up to `max_attempts` replicas. Each attempt
 * holds one of its replica's `max_concurrent` slots from the choice until its lease is released (waiting for
 * one while all are taken, until the client goes away or the queue's bounds refuse it with pool_saturated,
 * which holds no slot); every path out of an attempt releases it. Once a byte was
 * sent nothing is retried: a stream that breaks gets its error frame (see upstream-proxy.ts), never a
 * second answer spliced on. Each failure cools its replica down.
 */
export async function runOnPool(gateway: GatewayContext, backend: PoolBackend, conversation: string | undefined, context: RunContext, attempt: ReplicaAttempt): Promise<Outcome> {
  const { pool } = backend;
  const model = gateway.metrics.modelLabel(pool.name);
  const tried = new Set<string>();
  let lastError: unknown;
  let lastOutcome: Outcome | undefined;
  for (let attempts = 0; attempts < pool.settings.maxAttempts && !context.signal.aborted; attempts++) {
    const lease = await pool.acquire(conversation, tried, context.signal);
    if (lease?.replica.handle === undefined) break;
    tried.add(lease.replica.id);
    if (attempts > 0) gateway.metrics.poolRetries.inc({ model });
    let outcome: Outcome;
    try {
      outcome = await attempt(lease.replica.handle, context);
    } catch (error) {
      const failure = toGatewayError(error);
      const fault = isReplicaFault(failure) && !context.signal.aborted;
      lease.release(fault ? "fault" : "neutral");
      if (!fault || context.sink.sent) throw error;
      gateway.log("warn", `pool ${pool.name}: replica ${lease.replica.id} failed before the first byte (${failure.logMessage ?? failure.message})`);
      [lastError, lastOutcome] = [error, undefined];
      continue;
    }
    const result = resultOf(outcome);
    lease.release(result);
    if (result === "fault" && !context.sink.sent && !outcome.disconnected) {
      [lastError, lastOutcome] = [undefined, outcome];
      continue;
    }
    const cached = outcome.usage.cachedInputTokens;
    if (cached > 0) gateway.metrics.poolCachedTokens.inc({ model, replica: lease.replica.label }, cached);
    // The next turn names this response as its previous_response_id: it goes where the response is kept.
    if (outcome.responseId !== undefined && result === "ok") await pool.remember(responseKey(outcome.responseId), lease.replica);
    return outcome;
  }
  if (lastOutcome !== undefined) return lastOutcome;
  if (lastError !== undefined) throw lastError;
  // The client went away before a replica took the request (it waited for a slot): nothing to answer or charge.
  if (context.signal.aborted) return { status: 499, usage: emptyUsage(), reason: "abort", disconnected: true };
  throw new GatewayError(
    503,
    `No replica of the model '${backend.name}' can take the request now (all are cooling down after failures). Try again in a few seconds; the gateway's operator should check its upstreams.`,
    "model_unavailable",
  );
}

/**
 * Runs a request on any backend: on a pool, on the replica runOnPool picks (affinity, failover, health);
 * on one model, as it is. The routes that call every backend the same way (ModelClient) go through here.
 */
export function runOnBackend(gateway: GatewayContext, backend: Backend, conversation: string | undefined, context: RunContext, attempt: ReplicaAttempt): Promise<Outcome> {
  return backend.kind === "pool" ? runOnPool(gateway, backend, conversation, context, attempt) : attempt(backend, context);
}
