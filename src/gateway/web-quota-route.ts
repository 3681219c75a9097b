import type { FastifyInstance } from "fastify";
import { backendModelNames } from "./backend.js";
import type { GatewayContext } from "./gateway-context.js";
import { effectiveLimits } from "./model-families.js";

/**
 * GET /v1/spark/quota: what is left of the caller's bucket in each family the listed models draw from
 * (the fast "spark" family and the standard one side by side in the web UI), read without charging
 * anything: {data: [{family, windows: [{window, limit, remaining, resetMs}]}]}. A family without limits
 * has no windows. It reads only the caller's own buckets.
 */
export function registerWebQuotaRoute(app: FastifyInstance, context: GatewayContext): void {
  app.get("/v1/spark/quota", async (request) => {
    const principal = context.auth.authenticate(request.raw);
    const families = new Set(
      context.router.list().map((model) => {
        const backend = context.router.resolve(model.id);
        // The names the charge uses (generation-charge.ts), a pool's replicas' included: the family shown is the one charged.
        return context.families.familyOf(backendModelNames(backend));
      }),
    );
    const data = await Promise.all(
      [...families].map(async (family) => {
        const limits = effectiveLimits(family, principal.limits, context.config.gateway?.limits);
        const state = await context.buckets.state(principal.id, family, limits);
        return { family, windows: state.windows.map(({ window, limit, remaining, resetMs }) => ({ window, limit, remaining: Math.max(0, remaining), resetMs })) };
      }),
    );
    return { object: "list", data };
  });
}
