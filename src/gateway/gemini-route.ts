import { runThroughClient } from "./client-run.js";
import type { GatewayContext } from "./gateway-context.js";
import { GeminiEncoder } from "./gemini-encoder.js";
import { geminiToModelRequest } from "./gemini-request.js";
import { geminiCountTokensSchema, geminiRequestSchema, type GeminiRequest } from "./gemini-schema.js";
import type { GenerationPlan } from "./generation-route.js";
import { describeBackend, type ListedModel } from "./model-router.js";
import { badRequest, GatewayError } from "./openai-error.js";
import { parseBody } from "./request-schemas.js";
import { estimatePromptTokens } from "./to-model-request.js";

export type GeminiMethod = "generateContent" | "streamGenerateContent" | "countTokens";
const methods: readonly string[] = ["generateContent", "streamGenerateContent", "countTokens"];

/** `MODEL:METHOD` from the path after /v1beta/models/ (a model name may hold ':' and '/' itself). */
export function geminiTarget(path: string): { model: string; method: GeminiMethod } {
  const at = path.lastIndexOf(":");
  const method = at >= 0 ? path.slice(at + 1) : "";
  const model = (at >= 0 ? path.slice(0, at) : path).replace(/^models\//, "");
  if (!methods.includes(method) || model === "") {
    throw new GatewayError(404, `There is no route POST /v1beta/models/${path}. Use /v1beta/models/MODEL:generateContent, :streamGenerateContent?alt=sse or :countTokens.`, "unknown_route");
  }
  return { model, method: method as GeminiMethod };
}

/**
 * POST /v1beta/models/MODEL:generateContent and :streamGenerateContent?alt=sse (the Gemini API, as Gemini
 * CLI calls it). The request becomes Spark's ModelRequest, the answer GenerateContentResponse frames
 * (gemini-encoder.ts); charged, metered and cut on disconnect like every generation (generation-route.ts),
 * and routed on a pool like the OpenAI routes (client-run.ts).
 */
export function planGemini(gateway: GatewayContext, raw: unknown, model: string, stream: boolean): GenerationPlan {
  const body = parseBody(geminiRequestSchema, raw);
  const backend = gateway.router.resolve(model);
  const { request, ignored } = geminiToModelRequest(body, describeBackend(backend));
  return {
    backend,
    stream,
    promptEstimate: estimatePromptTokens(request),
    maxTokens: body.generationConfig?.maxOutputTokens,
    choices: 1,
    ignored,
    run: (context) => runThroughClient(gateway, { backend, request, encoder: () => new GeminiEncoder(model) }, context),
  };
}

/** POST /v1beta/models/MODEL:countTokens: the prompt's size as the gateway estimates it. */
export function countGeminiTokens(gateway: GatewayContext, raw: unknown, model: string): { totalTokens: number } {
  const body = parseBody(geminiCountTokensSchema, raw);
  const backend = gateway.router.resolve(model);
  const request: GeminiRequest | undefined = body.generateContentRequest ?? (body.contents ? { contents: body.contents } : undefined);
  if (!request) throw badRequest("Send 'contents' (or 'generateContentRequest') to count.", "contents", "missing_required_parameter");
  const { request: translated } = geminiToModelRequest(request, describeBackend(backend));
  return { totalTokens: estimatePromptTokens(translated) };
}

function geminiModel(model: ListedModel): object {
  return {
    name: `models/${model.id}`,
    displayName: model.id,
    description: `Spark model '${model.id}' (${model.owned_by})`,
    supportedGenerationMethods: ["generateContent", "streamGenerateContent", "countTokens"],
  };
}

/** GET /v1beta/models: the configured models, as Gemini lists its own. */
export function listGeminiModels(gateway: GatewayContext): { models: object[] } {
  return { models: gateway.router.list().map(geminiModel) };
}

/** GET /v1beta/models/MODEL: one of them, or Gemini's 404. */
export function getGeminiModel(gateway: GatewayContext, name: string): object {
  const id = name.replace(/^models\//, "");
  const found = gateway.router.list().find((model) => model.id === id);
  if (!found) throw new GatewayError(404, `The model '${id}' does not exist on this gateway. GET /v1beta/models lists them.`, "model_unknown", "model");
  return geminiModel(found);
}
