import type { ConfigFile } from "../config/index.js";
import type { RateBucketStore, ResponseStore } from "../store/index.js";
import type { Authenticator } from "./authenticate.js";
import type { GatewayMetrics } from "./gateway-metrics.js";
import type { FamilyMatcher } from "./model-families.js";
import type { ModelRouter } from "./model-router.js";
import type { UpstreamAgents } from "./upstream-proxy.js";
import type { UsageRecorder } from "./usage-recorder.js";

/** Writes one line to the gateway's log (stderr); never given keys or request bodies. */
export type GatewayLog = (level: "debug" | "info" | "warn" | "error", message: string) => void;

/** Everything the routes use, built once by createGateway and passed down (no module-level state). */
export interface GatewayContext {
  config: ConfigFile;
  router: ModelRouter;
  auth: Authenticator;
  buckets: RateBucketStore;
  usage: UsageRecorder;
  metrics: GatewayMetrics;
  families: FamilyMatcher;
  agents: UpstreamAgents;
  log: GatewayLog;
  /** max_tokens assumed when a request names none. */
  defaultMaxTokens: number;
  /** Responses kept with `store: true`, per API key, for `previous_response_id`. */
  responses: ResponseStore;
  timeoutMs: number;
}
