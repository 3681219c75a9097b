import type { FastifyInstance } from "fastify";
import type { Authenticator } from "./authenticate.js";
import type { FamilyMatcher } from "./model-families.js";
import { backendModelNames } from "./backend.js";
import type { ModelRouter } from "./model-router.js";

/**
 * GET /v1/spark/models: the models of GET /v1/models with the rate-limit family each is charged to, so the
 * web UI can offer a fast/standard toggle (the "spark" family is the fast one).
 */
export function registerWebModelsRoute(app: FastifyInstance, auth: Authenticator, router: ModelRouter, families: FamilyMatcher): void {
  app.get("/v1/spark/models", async (request) => {
    auth.authenticate(request.raw);
    const data = router.list().map((model) => {
      const backend = router.resolve(model.id);
      const names = backendModelNames(backend);
      return { id: model.id, family: families.familyOf(names) };
    });
    return { object: "list", data };
  });
}
