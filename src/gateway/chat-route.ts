import type { ModelRequest } from "../core/index.js";
import type { MemberBackend, UpstreamBackend } from "./backend.js";
import { conversationKey } from "./conversation-key.js";
import type { GatewayContext } from "./gateway-context.js";
import type { GenerationPlan } from "./generation-route.js";
import { ChatEncoder } from "./chat-encoder.js";
import { chatRequestSchema, parseBody, type ChatRequest } from "./request-schemas.js";
import { runOnPool } from "./pool-run.js";
import { serveEvents, type RunContext } from "./serve-events.js";
import { StopFilter } from "./stop-filter.js";
import { chatToModelRequest, estimatePromptTokens, stopSequences, withDefaults } from "./to-model-request.js";
import { proxyToUpstream } from "./upstream-proxy.js";

/** The upstream body for a pass-through: the upstream's model name, usage asked for, max tokens when limited. */
function upstreamBody(body: ChatRequest, model: string, provider: string, maxTokens: number, limitsTokens: boolean): { body: Record<string, unknown>; stripUsage: boolean } {
  const stream = body.stream === true;
  const wantsUsage = body.stream_options?.include_usage === true;
  const forwarded: Record<string, unknown> = { ...body, model };
  if (stream) forwarded.stream_options = { ...body.stream_options, include_usage: true };
  const hasMax = (body.max_tokens ?? body.max_completion_tokens ?? undefined) !== undefined;
  // OpenAI's own models refuse max_tokens for reasoning models; every other server knows max_tokens.
  if (limitsTokens && !hasMax) forwarded[provider === "openai" ? "max_completion_tokens" : "max_tokens"] = maxTokens;
  return { body: forwarded, stripUsage: stream && !wantsUsage };
}

/**
 * POST /v1/chat/completions. An upstream that speaks Chat Completions gets the body passed through and
 * its stream passed back byte for byte; the local engine (and an upstream of the Responses API) goes
 * through ModelClient and is re-encoded as `chat.completion.chunk` frames. A pool runs the request on one
 * of its replicas (runOnPool), each the way it needs.
 */
export function planChat(gateway: GatewayContext, raw: unknown): GenerationPlan {
  const body = parseBody(chatRequestSchema, raw);
  const backend = gateway.router.resolve(body.model);
  const stream = body.stream === true;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const sizing = { stream, maxTokens, choices: body.n ?? 1 };
  const passes = (member: MemberBackend): member is UpstreamBackend => member.kind === "upstream" && member.target.api === "chat" && gateway.config.gateway?.passthrough !== false;
  const passedEstimate = Math.ceil(JSON.stringify(body.messages).length / 4) + Math.ceil(JSON.stringify(body.tools ?? []).length / 4);
  const proxy = (member: UpstreamBackend, context: RunContext) => {
    const { target, apiKey } = member;
    const { body: forwarded, stripUsage } = upstreamBody(body, target.model, target.provider, context.maxTokens, context.limitsTokens);
    return proxyToUpstream(gateway.agents, context, { target, apiKey, path: "/chat/completions", body: forwarded, stripUsage, promptEstimate: passedEstimate, timeoutMs: gateway.timeoutMs });
  };
  const converted = (member: MemberBackend) => {
    const backendName = member.kind === "local" ? `the local model '${member.name}'` : `the model '${member.name}' (its upstream speaks the Responses API)`;
    return chatToModelRequest(body, backendName);
  };
  const reencode = async (member: MemberBackend, modelRequest: ModelRequest, context: RunContext) => {
    // The model stops at `stop` itself; the Responses API has no such field, so its text is cut here instead.
    const cutHere = member.kind === "upstream" && member.target.api === "responses" ? stopSequences(body.stop) : [];
    const client = await member.client();
    const events = client.stream(withDefaults(modelRequest, member.resolved.settings, context.maxTokens), { signal: context.signal });
    return serveEvents(context, events, new ChatEncoder(body.model, body.stream_options?.include_usage === true), new StopFilter(cutHere));
  };
  if (backend.kind === "pool") {
    const conversation = conversationKey({ promptCacheKey: body.prompt_cache_key, prompt: body.messages });
    return {
      backend,
      ...sizing,
      promptEstimate: passedEstimate,
      run: (context) => runOnPool(gateway, backend, conversation, context, (member, attempt) => (passes(member) ? proxy(member, attempt) : reencode(member, converted(member).request, attempt))),
    };
  }
  if (passes(backend)) return { backend, ...sizing, promptEstimate: passedEstimate, run: (context) => proxy(backend, context) };
  const { request: modelRequest, ignored } = converted(backend);
  return { backend, ...sizing, promptEstimate: estimatePromptTokens(modelRequest), ignored, run: (context) => reencode(backend, modelRequest, context) };
}
