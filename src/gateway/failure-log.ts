import type { GatewayLog } from "./gateway-context.js";
import type { GatewayError } from "./openai-error.js";

/**
 * Logs a server-side (5xx) answer. A pool's pool_saturated refusal is the gateway's own back-pressure,
 * working as configured (the client is told to retry): a warning, so an operator's alert on `error:` lines
 * fires for faults, not for a burst. Client errors (4xx) are not logged.
 */
export function logFailure(log: GatewayLog, where: string, failure: GatewayError): void {
  if (failure.status < 500) return;
  log(failure.code === "pool_saturated" ? "warn" : "error", `${where}: ${failure.logMessage ?? failure.message}`);
}
