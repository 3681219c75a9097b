import type { Message } from "../core/index.js";
import type { Principal } from "./authenticate.js";
import type { MemberBackend, UpstreamBackend } from "./backend.js";
import { conversationKey } from "./conversation-key.js";
import type { GatewayContext } from "./gateway-context.js";
import type { GenerationPlan } from "./generation-route.js";
import { parseBody, responsesRequestSchema } from "./request-schemas.js";
import { ResponsesEncoder } from "./responses-encoder.js";
import { runOnPool } from "./pool-run.js";
import { assistantTurn, collect, nothingSaid } from "./response-said.js";
import { serveEvents, type RunContext } from "./serve-events.js";
import { StopFilter } from "./stop-filter.js";
import { keepConversation, loadStoredConversation } from "./stored-responses.js";
import { estimatePromptTokens, responsesToModelRequest, withDefaults } from "./to-model-request.js";
import { proxyToUpstream } from "./upstream-proxy.js";

/**
 * POST /v1/responses. An upstream of the Responses API gets the body passed through (usage arrives in its
 * `response.completed` event), every field included; the local engine and Chat Completions upstreams go
 * through ModelClient and are re-encoded as Responses events, which leaves out (and reports) the fields
 * they ignore, so a Chat Completions upstream never sees a Responses-only field it would reject. A pool
 * runs the same on the replica it picks (see pool-run.ts).
 *
 * `store: true` and `previous_response_id` are the gateway's own, for every backend: the conversation is
 * kept in its database under the caller's API key, and a continuation is sent to the model whole. Such a
 * request is never passed through, so an upstream's store (shared by every key behind the gateway's one
 * upstream key) is never written nor read.
 */
export function planResponses(gateway: GatewayContext, raw: unknown, principal: Principal): GenerationPlan {
  const body = parseBody(responsesRequestSchema, raw);
  const backend = gateway.router.resolve(body.model);
  const stream = body.stream === true;
  const maxTokens = body.max_output_tokens ?? undefined;
  const sizing = { stream, maxTokens, choices: 1 };
  const store = body.store === true;
  const previousId = body.previous_response_id ?? undefined;
  const chained = store || previousId !== undefined;
  const passes = (member: MemberBackend): member is UpstreamBackend =>
    !chained && member.kind === "upstream" && member.target.api === "responses" && gateway.config.gateway?.passthrough !== false;
  const passedEstimate = Math.ceil((JSON.stringify(body.input).length + (body.instructions?.length ?? 0)) / 4);
  const proxy = (member: UpstreamBackend, context: RunContext) => {
    const { target, apiKey } = member;
    const forwarded: Record<string, unknown> = { ...body, model: target.model };
    if (context.limitsTokens && maxTokens === undefined) forwarded.max_output_tokens = context.maxTokens;
    return proxyToUpstream(gateway.agents, context, { target, apiKey, path: "/responses", body: forwarded, stripUsage: false, promptEstimate: passedEstimate, timeoutMs: gateway.timeoutMs });
  };
  const previous: Message[] = previousId === undefined ? [] : loadStoredConversation(gateway.responses, principal.id, previousId);
  const converted = (member: MemberBackend) => {
    const backendName = member.kind === "local" ? `the local model '${member.name}'` : `the model '${member.name}' (its upstream speaks Chat Completions)`;
    const translated = responsesToModelRequest({ ...body, previous_response_id: null }, backendName);
    // Its own instructions replace the earlier ones; the kept conversation never holds them.
    const own = body.instructions ? translated.request.messages.slice(1) : translated.request.messages;
    const conversation = [...previous, ...own];
    const request = { ...translated.request, messages: body.instructions ? [{ role: "system" as const, content: body.instructions }, ...conversation] : conversation };
    const ignored = store ? translated.ignored.filter((field) => field !== "store") : translated.ignored;
    return { request, tools: translated.tools, ignored, conversation };
  };
  const reencode = async (member: MemberBackend, request: ReturnType<typeof converted>, context: RunContext) => {
    const client = await member.client();
    const encoder = new ResponsesEncoder(body.model, { instructions: body.instructions, temperature: body.temperature, metadata: body.metadata }, (name) => request.tools.declaredName(name));
    const said = nothingSaid();
    const keep = () => {
      if (store && !keepConversation(gateway.responses, principal.id, encoder.id, [...request.conversation, ...assistantTurn(said)])) {
        gateway.log("warn", `/v1/responses ${member.name}: a response larger than a key's stored-response budget was not kept`);
      }
    };
    const events = collect(client.stream(withDefaults(request.request, member.resolved.settings, context.maxTokens), { signal: context.signal }), said, keep);
    // The response's id lets a pool send its continuation back to this replica.
    return { ...(await serveEvents(context, events, encoder, new StopFilter([]))), responseId: encoder.id };
  };
  if (backend.kind === "pool") {
    const conversation = conversationKey({ promptCacheKey: body.prompt_cache_key, previousResponseId: body.previous_response_id, prompt: Array.isArray(body.input) ? [{ instructions: body.instructions }, ...body.input] : `${body.instructions ?? ""}\u0000${body.input}` });
    return {
      backend,
      ...sizing,
      promptEstimate: passedEstimate,
      run: (context) => runOnPool(gateway, backend, conversation, context, (member, attempt) => (passes(member) ? proxy(member, attempt) : reencode(member, converted(member), attempt))),
    };
  }
  if (passes(backend)) return { backend, ...sizing, promptEstimate: passedEstimate, run: (context) => proxy(backend, context) };
  const request = converted(backend);
  return { backend, ...sizing, promptEstimate: estimatePromptTokens(request.request), ignored: request.ignored, run: (context) => reencode(backend, request, context) };
}
