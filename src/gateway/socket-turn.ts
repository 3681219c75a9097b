import { emptyUsage, type ModelRequest, type StreamEvent, type StreamOptions } from "../core/index.js";
import type { ModelClient } from "../models/index.js";
import { CallMeter } from "../speed/index.js";
import type { Principal } from "./authenticate.js";
import type { GatewayContext } from "./gateway-context.js";
import { recordGeneration, reserveGeneration, settleGeneration } from "./generation-charge.js";
import type { ResponseChainStore, StoredResponse } from "./response-chain-store.js";
import { ResponsesEncoder } from "./responses-encoder.js";
import { assistantTurn, collect, nothingSaid } from "./response-said.js";
import { keepConversation } from "./stored-responses.js";
import { runThroughClient, type EventSource } from "./client-run.js";
import { toGatewayError, wireCode } from "./openai-error.js";
import type { Outcome, RunContext } from "./serve-events.js";
import type { SocketCreate } from "./socket-create.js";
import type { SocketEventSink } from "./socket-event-sink.js";
import type { SocketMetrics } from "./socket-metrics.js";
import { estimatePromptTokens } from "./to-model-request.js";
import { hideUpstreamAddresses } from "./backend.js";

/** The route label of socket responses in metrics and usage records. */
export const SOCKET_ROUTE = "/v1/responses (websocket)";

/** Why a running response was stopped before its end. */
export type StopCause = "steered" | "interrupted";

/** The response a lane is running: what steering and interrupts act on. */
export class RunningTurn {
  readonly controller = new AbortController();
  stoppedBy: StopCause | undefined;
  responseId: string | undefined;
  /** Set while the model generates (not for a prewarm, nor before the response exists). */
  generating = false;
  /** Input a steer queued for the successor response. */
  steerInput: Record<string, unknown>[] | undefined;
  /** Tool calls the model made so far: once it made one, the response stops for its output, not for a steer. */
  toolCalls = 0;

  stop(cause: StopCause): void {
    this.stoppedBy ??= cause;
    this.controller.abort();
  }
}

/** What every response of one socket shares. */
export interface TurnContext {
  gateway: GatewayContext;
  principal: Principal;
  chains: ResponseChainStore;
  metrics: SocketMetrics;
  /** Names this socket in the local engine's cache keys. */
  socketKey: string;
  /**
   * The client asked at the handshake (`x-spark-events: rate_limits`) for each response's rate-limit
   * headers as a `spark.rate_limits` event before it, as HTTP sends them: Spark's own client does.
   */
  rateLimitEvents?: boolean;
  /** Text deltas that come together go out as one message (the gateway's own page: SocketEventSink). */
  coalesceDeltas?: boolean;
}


/** A prewarm as model events: the prompt goes into the cache (where the engine has one), nothing is generated. */
async function* prewarmEvents(client: ModelClient, request: ModelRequest, options: StreamOptions): AsyncIterable<StreamEvent> {
  if (client.prewarm) yield { type: "usage", usage: (await client.prewarm(request, options)).usage };
  yield { type: "finish", reason: "stop" };
}

function statusOf(outcome: Outcome, running: RunningTurn): StoredResponse["status"] {
  return outcome.reason === "length" || (outcome.reason === "abort" && running.stoppedBy !== undefined) ? "incomplete" : "completed";
}

/**
 * Runs one `response.create` on a lane like an HTTP request: reserves its tokens, streams the same events
 * as SSE through the socket's sink, settles the charge to what was generated (a closed socket aborts the
 * generation first), records usage and metrics, and keeps the response for `previous_response_id`. On a
 * pool the socket's chain stays on one replica (its cache key names the chain). A refused reservation is
 * answered with an `error` event by the caller; a model that cannot be reached, here.
 */
export async function runTurn(context: TurnContext, sink: SocketEventSink, create: SocketCreate, running: RunningTurn): Promise<StoredResponse | undefined> {
  const meter = new CallMeter();
  const { gateway, principal } = context;
  const { backend, body } = create;
  const encoder = new ResponsesEncoder(body.model, { instructions: body.instructions, temperature: body.temperature, metadata: body.metadata }, (name) => create.tools.declaredName(name), () => running.stoppedBy);
  running.responseId = encoder.id;
  const root = create.previous?.root ?? encoder.id;
  const request: ModelRequest = { ...create.request, cacheKey: create.request.cacheKey ?? `${context.socketKey}:${root}` };
  const reservation = await reserveGeneration(gateway, principal, { backend, promptEstimate: estimatePromptTokens(request), maxTokens: body.max_output_tokens ?? undefined, choices: create.generate ? 1 : 0 });
  if (context.rateLimitEvents) await sink.notify({ type: "spark.rate_limits", headers: reservation.charge.headers });
  const signal = AbortSignal.any([sink.gone, running.controller.signal]);
  const said = nothingSaid();
  const events: EventSource = create.generate ? (client, generated, options) => collect(client.stream(generated, options), said, undefined, () => running.toolCalls++) : prewarmEvents;
  const run: RunContext = {
    sink,
    stream: true,
    meter,
    signal,
    stopGeneration: () => running.stop("interrupted"),
    maxTokens: reservation.maxTokens,
    outputAllowance: reservation.outputAllowance,
    limitsTokens: reservation.limitsTokens,
    publicMessage: hideUpstreamAddresses(backend),
  };
  if (create.ignored.length) gateway.log("debug", `${SOCKET_ROUTE} ${backend.name}: ignored ${[...new Set(create.ignored)].join(",")}`);
  running.generating = create.generate;
  gateway.metrics.activeGenerations.inc();
  let outcome: Outcome;
  try {
    // One encoder for every attempt: the response's id is known to the lane (steering, interrupts) already.
    outcome = await runThroughClient(gateway, { backend, request, encoder: () => encoder, events }, run);
  } catch (error) {
    // No replica could be reached (or the model not loaded): the reservation is settled below all the same.
    const failure = toGatewayError(error);
    outcome = { status: failure.status, usage: emptyUsage(), reason: "error", failure, errorCode: wireCode(failure), disconnected: sink.gone.aborted };
  } finally {
    running.generating = false;
    gateway.metrics.activeGenerations.dec();
  }
  await settleGeneration(gateway, SOCKET_ROUTE, { backend, principal, reservation, outcome });
  const metrics = meter.finish({ outputTokens: outcome.usage.outputTokens, promptTokensEvaluated: null });
  recordGeneration(gateway, { route: SOCKET_ROUTE, backend, principal, family: reservation.family, outcome, metrics, reserved: reservation.reserved });
  countTurn(context.metrics, create, outcome);
  if (outcome.failure) await sink.fail(outcome.failure.withMessage(run.publicMessage(outcome.failure.message)), []);
  if (outcome.reason === "error" || outcome.disconnected) return undefined;
  const stored: StoredResponse = {
    id: encoder.id,
    conversation: [...create.conversation, ...assistantTurn(said)],
    root,
    prewarm: !create.generate,
    status: statusOf(outcome, running),
    pendingCalls: said.toolCalls.length,
  };
  context.chains.put(stored);
  // `store: true` keeps it in the database too, under the socket's key: HTTP callers can continue it.
  if (create.body.store === true && create.generate) keepConversation(gateway.responses, principal.id, stored.id, stored.conversation);
  return stored;
}

function countTurn(metrics: SocketMetrics, create: SocketCreate, outcome: Outcome): void {
  const { usage } = outcome;
  metrics.responses.inc({ kind: create.generate ? "generate" : "prewarm" });
  metrics.promptTokens.inc({ kind: "reused" }, usage.cachedInputTokens);
  metrics.promptTokens.inc({ kind: "evaluated" }, Math.max(0, usage.inputTokens - usage.cachedInputTokens));
  if (create.generate && create.previous?.prewarm && usage.cachedInputTokens > 0) metrics.prewarmHits.inc();
}
