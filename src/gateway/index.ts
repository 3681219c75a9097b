export { ANONYMOUS, Authenticator, type Principal } from "./authenticate.js";
export { createGateway, DEFAULT_BODY_LIMIT, type Gateway, type GatewayOptions } from "./create-gateway.js";
export type { GatewayContext, GatewayLog } from "./gateway-context.js";
export { GatewayMetrics } from "./gateway-metrics.js";
export { defaultFamilies, effectiveLimits, FamilyMatcher, fromConfigLimits, STANDARD_FAMILY } from "./model-families.js";
export { formatReset, rateLimitHeaders, windowNames } from "./rate-limit-headers.js";
export { isLoopbackHost, keepAlive, openRateBuckets, startGateway, type RunningGateway, type StartOptions } from "./start-gateway.js";
