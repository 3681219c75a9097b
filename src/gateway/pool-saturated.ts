import { GatewayError } from "./openai-error.js";
import type { QueueBounds } from "./slot-waiters.js";

/** Why a pool refused a request: its wait queue was full, or no slot came within the queue's timeout. */
export type QueueRejection = "queue_full" | "queue_timeout";

/**
 * The Retry-After of a refusal, in seconds. Slots come back as answers end, often within a second or two
 * for a coding model; a client that waits longer than that belongs in the queue, which the refusal says is
 * full or too slow now. Clients that honour the header (OpenAI's and Anthropic's SDKs) add their own backoff.
 */
const RETRY_AFTER_S = 1;

/**
 * The answer to a request refused by a saturated pool: 503 `pool_saturated` with Retry-After, rendered in
 * the caller's API family like every gateway error (Anthropic's `overloaded_error`, Gemini's UNAVAILABLE).
 * It names the model and the bound, never a replica's address.
 */
export function poolSaturated(model: string, reason: QueueRejection, bounds: QueueBounds): GatewayError {
  const what =
    reason === "queue_full"
      ? `every replica of the model '${model}' is at its max_concurrent and its wait queue is full ([gateway.pool] max_queued = ${bounds.maxQueued})`
      : `no replica of the model '${model}' had a free slot within ${bounds.timeoutMs} ms ([gateway.pool] queue_timeout_ms); every one it may use is at its max_concurrent`;
  const message = `The gateway is saturated: ${what}. Retry in ${RETRY_AFTER_S} s or later; the gateway's operator can raise max_concurrent where a replica has room, add replicas, or raise ${reason === "queue_full" ? "max_queued" : "queue_timeout_ms"}.`;
  return new GatewayError(503, message, "pool_saturated", null, "server_error", { "retry-after": String(RETRY_AFTER_S) });
}
