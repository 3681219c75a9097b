import { SparkError, type Metrics, type ModelRequest, type Usage } from "../core/index.js";
import type { ModelClient } from "../models/index.js";

export interface CallResult {
  text: string;
  usage: Usage;
  metrics: Metrics;
  reason: string;
}

/**
 * One model call, collected; `abortAfterChunks` interrupts it like a user pressing Esc. A failed call
 * throws: a benchmark row built from a failed call would report n/a speeds and a vacuous "identical".
 */
export async function runCall(client: ModelClient, request: ModelRequest, abortAfterChunks?: number): Promise<CallResult> {
  const controller = new AbortController();
  const result: Partial<CallResult> & { text: string } = { text: "" };
  let chunks = 0;
  for await (const event of client.stream(request, { signal: controller.signal })) {
    if (event.type === "text-delta") {
      result.text += event.text;
      if (abortAfterChunks !== undefined && ++chunks >= abortAfterChunks) controller.abort();
    }
    if (event.type === "usage") result.usage = event.usage;
    if (event.type === "metrics") result.metrics = event.metrics;
    if (event.type === "finish") result.reason = event.reason;
    if (event.type === "error") throw SparkError.fromJSON(event.error);
  }
  if (!result.usage || !result.metrics || !result.reason) throw new SparkError("provider_error", `${client.displayName}'s stream ended without usage, metrics and finish events.`);
  return result as CallResult;
}
