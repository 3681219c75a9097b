import type { FastifyReply, FastifyRequest } from "fastify";
import { emptyUsage } from "../core/index.js";
import { CallMeter } from "../speed/index.js";
import type { Principal } from "./authenticate.js";
import type { GatewayContext } from "./gateway-context.js";
import { ignoredHeader } from "./ignored-fields.js";
import type { Backend } from "./backend.js";
import { hideUpstreamAddresses } from "./backend.js";
import { toGatewayError, wireCode } from "./openai-error.js";
import { recordGeneration, reserveGeneration, settleGeneration } from "./generation-charge.js";
import type { Outcome, RunContext } from "./serve-events.js";
import { SseReplyWriter } from "./sse-reply-writer.js";
import { errorBodies, errorShapeOf } from "./vendor-error.js";
import { logFailure } from "./failure-log.js";

/** A parsed, routed request, ready to be charged and run. */
export interface GenerationPlan {
  backend: Backend;
  stream: boolean;
  /** Prompt tokens, estimated before running. */
  promptEstimate: number;
  /** The request's max tokens, if it gave one. */
  maxTokens: number | undefined;
  /** How many completions one request generates (n, or best_of for Completions): each may use max tokens. */
  choices: number;
  /** Fields the request carried that its backend ignores (see ignored-fields.ts); none when passed through. */
  ignored?: readonly string[];
  run(context: RunContext): Promise<Outcome>;
}

/**
 * The life of every model request: authenticate, parse and route (the planner), reserve tokens in the
 * key's bucket for the model's family, run, then settle the charge to what was really generated, record
 * usage and metrics. A client that goes away aborts the run at once; it is charged what was generated.
 */
export async function handleGeneration(
  gateway: GatewayContext,
  request: FastifyRequest,
  reply: FastifyReply,
  route: string,
  planner: (body: unknown, principal: Principal) => GenerationPlan,
): Promise<FastifyReply> {
  // Started at the request's arrival: TTFT, tokens/s and the duration are the client's view.
  const meter = new CallMeter();
  const principal = gateway.auth.authenticate(request.raw);
  const plan = planner(request.body, principal);
  const { backend } = plan;
  const ignored = ignoredHeader(plan.ignored ?? []);
  if (ignored["x-spark-ignored"]) gateway.log("debug", `${route} ${backend.name}: ignored ${ignored["x-spark-ignored"]}`);
  const reservation = await reserveGeneration(gateway, principal, plan);
  const { maxTokens, outputAllowance, reserved, family } = reservation;

  const sink = new SseReplyWriter(reply, { ...reservation.charge.headers, ...ignored, "x-request-id": String(request.id) }, errorBodies[errorShapeOf(route)]);
  const controller = new AbortController();
  const onGone = () => controller.abort();
  sink.gone.addEventListener("abort", onGone, { once: true });
  if (sink.gone.aborted) onGone();
  gateway.metrics.activeGenerations.inc();
  const context: RunContext = {
    sink,
    stream: plan.stream,
    meter,
    signal: controller.signal,
    stopGeneration: () => controller.abort(),
    maxTokens,
    outputAllowance,
    limitsTokens: reservation.limitsTokens,
    publicMessage: hideUpstreamAddresses(backend),
  };
  let outcome: Outcome;
  try {
    outcome = await plan.run(context);
  } catch (error) {
    const failure = toGatewayError(error);
    // Logged below unless a stream was under way (then nothing is answered below).
    if (sink.opened) logFailure(gateway.log, `${route} ${backend.name}`, failure);
    outcome = { status: failure.status, usage: emptyUsage(), reason: "error", failure, errorCode: wireCode(failure), disconnected: sink.gone.aborted };
    // A stream already under way cannot get an error status any more: at least do not leave it open.
    if (sink.opened) sink.end();
  } finally {
    sink.gone.removeEventListener("abort", onGone);
    gateway.metrics.activeGenerations.dec();
  }
  const metrics = meter.finish({ outputTokens: outcome.usage.outputTokens, promptTokensEvaluated: null });
  await settleGeneration(gateway, route, { backend, principal, reservation, outcome });
  recordGeneration(gateway, { route, backend, principal, family, outcome, metrics, reserved });
  // Nobody to answer: the connection is dropped.
  if (outcome.disconnected) sink.end();
  else if (outcome.failure && !sink.sent) {
    const { failure } = outcome;
    logFailure(gateway.log, `${route} ${backend.name}`, failure);
    const hidden = context.publicMessage(failure.message);
    await sink.fail(hidden === failure.message ? failure : failure.withMessage(hidden), []);
  }
  return reply;
}
