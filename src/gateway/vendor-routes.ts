import type { FastifyInstance } from "fastify";
import type { GatewayContext } from "./gateway-context.js";
import { countGeminiTokens, geminiTarget, getGeminiModel, listGeminiModels, planGemini } from "./gemini-route.js";
import { handleGeneration } from "./generation-route.js";
import { countMessagesTokens, planMessages } from "./messages-route.js";
import { badRequest } from "./openai-error.js";

/** The query's `alt`: Gemini streams as SSE only when asked with `alt=sse` (the SDKs always ask). */
function altOf(url: string): string | null {
  return new URLSearchParams(url.split("?")[1] ?? "").get("alt");
}

/**
 * The routes of the Anthropic and Gemini APIs, so Claude Code and Gemini CLI run on any Spark model.
 * Their errors are in each vendor's own shape (vendor-error.ts); keys, buckets and metrics are the
 * OpenAI routes' (generation-route.ts). `?beta=true` (Claude Code) needs nothing: the query is not read.
 */
export function registerVendorRoutes(app: FastifyInstance, context: GatewayContext): void {
  app.post("/v1/messages", (request, reply) => handleGeneration(context, request, reply, "/v1/messages", (body) => planMessages(context, body, request.headers)));
  app.post("/v1/messages/count_tokens", async (request) => {
    context.auth.authenticate(request.raw);
    return countMessagesTokens(context, request.body, request.headers);
  });
  app.get("/v1beta/models", async (request) => {
    context.auth.authenticate(request.raw);
    return listGeminiModels(context);
  });
  app.get<{ Params: { "*": string } }>("/v1beta/models/*", async (request) => {
    context.auth.authenticate(request.raw);
    return getGeminiModel(context, request.params["*"]);
  });
  app.post<{ Params: { "*": string } }>("/v1beta/models/*", async (request, reply) => {
    context.auth.authenticate(request.raw);
    const { model, method } = geminiTarget(request.params["*"]);
    if (method === "countTokens") return countGeminiTokens(context, request.body, model);
    const stream = method === "streamGenerateContent";
    if (stream && altOf(request.url) !== "sse") throw badRequest("streamGenerateContent is served as Server-Sent Events only: add ?alt=sse to the URL.", "alt", "unsupported_value");
    return handleGeneration(context, request, reply, `/v1beta/models:${method}`, (body) => planGemini(context, body, model, stream));
  });
}
