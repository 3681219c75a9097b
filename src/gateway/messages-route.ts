import type { IncomingHttpHeaders } from "node:http";
import { runThroughClient } from "./client-run.js";
import type { GatewayContext } from "./gateway-context.js";
import type { GenerationPlan } from "./generation-route.js";
import { MessagesEncoder } from "./messages-encoder.js";
import { messagesToModelRequest } from "./messages-request.js";
import { messagesRequestSchema } from "./messages-schema.js";
import { describeBackend, type Backend } from "./model-router.js";
import { parseBody } from "./request-schemas.js";
import { estimatePromptTokens, type Translated } from "./to-model-request.js";

/** Claude Code names its conversation in this header: the local engine keeps that session's prompt cached. */
const SESSION_HEADER = "x-claude-code-session-id";

function sessionOf(headers: IncomingHttpHeaders): string | undefined {
  const session = headers[SESSION_HEADER];
  return typeof session === "string" && session.length > 0 && session.length <= 256 ? `claude-code:${session}` : undefined;
}

function translate(gateway: GatewayContext, raw: unknown, headers: IncomingHttpHeaders): { backend: Backend; translated: Translated; model: string; stream: boolean; maxTokens: number | undefined } {
  const body = parseBody(messagesRequestSchema, raw);
  const backend = gateway.router.resolve(body.model);
  const translated = messagesToModelRequest(body, describeBackend(backend), sessionOf(headers));
  return { backend, translated, model: body.model, stream: body.stream === true, maxTokens: body.max_tokens };
}

/**
 * POST /v1/messages (Anthropic's Messages API, as Claude Code calls it with `?beta=true`). Every backend
 * goes through ModelClient: the request becomes Spark's ModelRequest and the answer Anthropic's events
 * (messages-encoder.ts), streamed or as one message. Same keys, buckets, metrics and disconnect handling
 * as the OpenAI routes (generation-route.ts), and the same routing on a pool (client-run.ts): Claude
 * Code's session header keeps a conversation on one replica.
 */
export function planMessages(gateway: GatewayContext, raw: unknown, headers: IncomingHttpHeaders): GenerationPlan {
  const { backend, translated, model, stream, maxTokens } = translate(gateway, raw, headers);
  const { request, ignored } = translated;
  // max_tokens is required by this API, and Claude Code always asks for 32000: a model's configured
  // max_tokens is the ceiling here, so the bucket reserves (and the model may write) no more than that.
  const configured = backend.resolved.settings.maxTokens;
  return {
    backend,
    stream,
    promptEstimate: estimatePromptTokens(request),
    maxTokens: maxTokens !== undefined && configured !== undefined ? Math.min(maxTokens, configured) : maxTokens,
    choices: 1,
    ignored,
    run: (context) => runThroughClient(gateway, { backend, request, encoder: () => new MessagesEncoder(model) }, context),
  };
}

/** POST /v1/messages/count_tokens: the prompt's size as the gateway estimates it (about 4 characters a token). */
export function countMessagesTokens(gateway: GatewayContext, raw: unknown, headers: IncomingHttpHeaders): { input_tokens: number } {
  const { translated } = translate(gateway, raw, headers);
  return { input_tokens: estimatePromptTokens(translated.request) };
}
