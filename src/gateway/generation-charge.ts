import { toSparkError, type Metrics } from "../core/index.js";
import type { Principal } from "./authenticate.js";
import type { GatewayContext } from "./gateway-context.js";
import { effectiveLimits } from "./model-families.js";
import { backendModelNames, type Backend } from "./backend.js";
import { RequestCharge } from "./request-charge.js";
import type { Outcome } from "./serve-events.js";

/** What a generation asks of its bucket, from the plan's estimate and max tokens. */
export interface ChargeRequest {
  backend: Backend;
  promptEstimate: number;
  /** The request's max tokens, if it gave one. */
  maxTokens: number | undefined;
  /** Completions one request generates: each may use max tokens. */
  choices: number;
}

/** A reservation made for one generation, with what the runner needs to know of it. */
export interface GenerationCharge {
  charge: RequestCharge;
  family: string;
  /** Max tokens per choice the reservation assumed. */
  maxTokens: number;
  outputAllowance: number;
  reserved: number;
  limitsTokens: boolean;
}

/**
 * Reserves a generation's tokens (prompt estimate plus max tokens per choice) in the principal's bucket
 * for the model's family, or throws the 429 that names the bucket. Every route and transport (HTTP, the
 * Responses WebSocket) charges through here.
 */
export async function reserveGeneration(gateway: GatewayContext, principal: Principal, request: ChargeRequest): Promise<GenerationCharge> {
  const { backend } = request;
  const family = gateway.families.familyOf(backendModelNames(backend));
  const limits = effectiveLimits(family, principal.limits, gateway.config.gateway?.limits);
  const maxTokens = request.maxTokens ?? backend.resolved.settings.maxTokens ?? gateway.defaultMaxTokens;
  const outputAllowance = maxTokens * request.choices;
  const reserved = request.promptEstimate + outputAllowance;
  const charge = await RequestCharge.reserve(gateway.buckets, gateway.metrics, principal, family, limits, reserved);
  const limitsTokens = limits.tokensPerMinute !== undefined || limits.tokensPer5Hours !== undefined || limits.tokensPerWeek !== undefined;
  return { charge, family, maxTokens, outputAllowance, reserved, limitsTokens };
}

/**
 * Charges what was really used, in full even past the reservation (an upstream that ignores max tokens, a
 * prompt estimate too low): the bucket then refuses until it refills, rather than being exceeded silently.
 */
export async function settleGeneration(gateway: GatewayContext, route: string, entry: { backend: Backend; principal: Principal; reservation: GenerationCharge; outcome: Outcome }): Promise<void> {
  const { reservation, principal, backend } = entry;
  const used = entry.outcome.usage.inputTokens + entry.outcome.usage.outputTokens;
  if (used > reservation.reserved) {
    gateway.log("warn", `${route} ${backend.name}: used ${used} tokens, more than the ${reservation.reserved} reserved; ${principal.name}/${reservation.family} is charged all of them`);
  }
  await reservation.charge.settle(used).catch((error: unknown) => gateway.log("error", `could not settle a charge for ${principal.name}/${reservation.family}: ${toSparkError(error).message}`));
}

/** Metrics and the usage record of one finished generation. */
export function recordGeneration(
  gateway: GatewayContext,
  entry: { route: string; backend: Backend; principal: Principal; family: string; outcome: Outcome; metrics: Metrics; reserved: number },
): void {
  const { outcome, backend, family, route } = entry;
  const model = gateway.metrics.modelLabel(backend.name);
  const { metrics } = gateway;
  metrics.answered({ route, model, status: outcome.status, errorCode: outcome.errorCode });
  metrics.tokens.inc({ model, family, kind: "input" }, outcome.usage.inputTokens);
  metrics.tokens.inc({ model, family, kind: "output" }, outcome.usage.outputTokens);
  const { ttftMs, decodeTokensPerSecond, totalMs: durationMs } = entry.metrics;
  metrics.duration.observe({ route }, durationMs / 1000);
  if (ttftMs !== null) metrics.ttft.observe({ route, model }, ttftMs / 1000);
  if (outcome.modelMs !== undefined) metrics.overhead.observe({ route }, Math.max(0, durationMs - outcome.modelMs) / 1000);
  if (decodeTokensPerSecond !== null) metrics.tokensPerSecond.observe({ model }, decodeTokensPerSecond);
  if (outcome.drafts) {
    metrics.draftTokens.inc({ model, outcome: "accepted" }, outcome.drafts.accepted);
    metrics.draftTokens.inc({ model, outcome: "rejected" }, outcome.drafts.rejected);
  }
  if (outcome.disconnected) metrics.disconnects.inc({ route, model });
  if (outcome.errorCode === "upstream_stream_broken") metrics.upstreamStreamErrors.inc({ route, model });
  gateway.usage.record({
    keyId: entry.principal.id,
    keyName: entry.principal.name,
    family,
    model: backend.name,
    route,
    status: outcome.status,
    finish: outcome.reason,
    inputTokens: outcome.usage.inputTokens,
    outputTokens: outcome.usage.outputTokens,
    reservedTokens: entry.reserved,
    ttftMs,
    durationMs,
  });
}
