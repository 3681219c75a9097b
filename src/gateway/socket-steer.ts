import { badRequest } from "./openai-error.js";
import type { ResponseChainStore, StoredResponse } from "./response-chain-store.js";
import type { SocketEventSink } from "./socket-event-sink.js";
import type { SocketMetrics } from "./socket-metrics.js";
import type { RunningTurn } from "./socket-turn.js";

type Json = Record<string, unknown>;

/** What a steer may act on: the lane's running response, else the response it made last. */
export interface SteerTarget {
  running: RunningTurn | undefined;
  last: StoredResponse | undefined;
  chains: ResponseChainStore;
  sink: SocketEventSink;
}

function inputItems(input: unknown): Json[] {
  if (typeof input === "string" && input !== "") return [{ type: "message", role: "user", content: input }];
  if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === "object" && item !== null && !Array.isArray(item))) return input as Json[];
  throw badRequest("A response.steer needs 'input': a non-empty string or a non-empty array of input items.", "input", "missing_required_parameter");
}

/**
 * `response.steer`: input for a response that is still generating. It is accepted at once
 * (`response.steer.accepted`) and the response stops at the next safe point (the engine yields tool calls
 * only whole, so none is cut): it ends `incomplete`, reason `steered`, and its lane runs a successor
 * with the steer's input at once, continuing the same conversation from the cache. A response that
 * called a tool (still running or stopped) answers `response.steer.pending`: it ends for the tool output
 * the client owes, so the input goes with those outputs, and a successor never follows a call left without
 * its output. Anything else answers `response.steer.failed`, which hands the input back.
 */
export function steer(target: SteerTarget, event: Json, metrics: SocketMetrics): Promise<void> {
  const items = inputItems(event["input"]);
  const named = typeof event["previous_response_id"] === "string" ? event["previous_response_id"] : undefined;
  const { running, sink } = target;
  const runningNamed = running?.generating && (named === undefined || named === running.responseId);
  if (runningNamed && running.toolCalls > 0) {
    // The model called a tool: the response ends for its output, and the steer's input goes with it.
    metrics.steers.inc({ outcome: "pending" });
    return sink.notify({ type: "response.steer.pending", response_id: running.responseId, input: items });
  }
  if (runningNamed && running) {
    running.steerInput = [...(running.steerInput ?? []), ...items];
    metrics.steers.inc({ outcome: "accepted" });
    const sent = sink.notify({ type: "response.steer.accepted", response_id: running.responseId });
    running.stop("steered");
    return sent;
  }
  const last = named === undefined ? target.last : target.chains.get(named);
  if (last && last.pendingCalls > 0) {
    metrics.steers.inc({ outcome: "pending" });
    return sink.notify({ type: "response.steer.pending", response_id: last.id, input: items });
  }
  metrics.steers.inc({ outcome: "failed" });
  return sink.notify({
    type: "response.steer.failed",
    response_id: named ?? null,
    input: items,
    error: { type: "invalid_request_error", code: "no_active_response", message: "No response is generating on this lane to steer: send the input with a response.create instead.", param: null },
  });
}
