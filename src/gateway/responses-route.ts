import type { Message } from "../core/index.js";
import type { Principal } from "./authenticate.js";
import type { GatewayContext } from "./gateway-context.js";
import type { GenerationPlan } from "./generation-route.js";
import { parseBody, responsesRequestSchema } from "./request-schemas.js";
import { ResponsesEncoder } from "./responses-encoder.js";
import { serveEvents } from "./serve-events.js";
import { StopFilter } from "./stop-filter.js";
import { estimatePromptTokens, responsesToModelRequest, withDefaults } from "./to-model-request.js";
import { proxyToUpstream } from "./upstream-proxy.js";
import { assistantTurn, collect, nothingSaid } from "./response-said.js";
import { keepConversation, loadStoredConversation } from "./stored-responses.js";

/**
 * POST /v1/responses. An upstream of the Responses API gets the body passed through (usage arrives in its
 * `response.completed` event), every field included; the local engine and Chat Completions upstreams go
 * through ModelClient and are re-encoded as Responses events, which leaves out (and reports) the fields
 * they ignore, so a Chat Completions upstream never sees a Responses-only field it would reject.
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
  const store = body.store === true;
  const previousId = body.previous_response_id ?? undefined;
  const chained = store || previousId !== undefined;
  if (!chained && backend.kind === "upstream" && backend.target.api === "responses" && gateway.config.gateway?.passthrough !== false) {
    const { target, apiKey } = backend;
    const promptEstimate = Math.ceil((JSON.stringify(body.input).length + (body.instructions?.length ?? 0)) / 4);
    return {
      backend,
      stream,
      promptEstimate,
      maxTokens,
      choices: 1,
      run: (context) => {
        const forwarded: Record<string, unknown> = { ...body, model: target.model };
        if (context.limitsTokens && maxTokens === undefined) forwarded.max_output_tokens = context.maxTokens;
        return proxyToUpstream(gateway.agents, context, { target, apiKey, path: "/responses", body: forwarded, stripUsage: false, promptEstimate, timeoutMs: gateway.timeoutMs });
      },
    };
  }
  const backendName = backend.kind === "local" ? `the local model '${backend.name}'` : `the model '${backend.name}' (its upstream speaks Chat Completions)`;
  const previous: Message[] = previousId === undefined ? [] : loadStoredConversation(gateway.responses, principal.id, previousId);
  const translated = responsesToModelRequest({ ...body, previous_response_id: null }, backendName);
  const { tools } = translated;
  const ignored = store ? translated.ignored.filter((field) => field !== "store") : translated.ignored;
  // Its own instructions replace the earlier ones; the kept conversation never holds them.
  const own = body.instructions ? translated.request.messages.slice(1) : translated.request.messages;
  const conversation = [...previous, ...own];
  const modelRequest = { ...translated.request, messages: body.instructions ? [{ role: "system" as const, content: body.instructions }, ...conversation] : conversation };
  return {
    backend,
    stream,
    promptEstimate: estimatePromptTokens(modelRequest),
    maxTokens,
    choices: 1,
    ignored,
    run: async (context) => {
      const client = await backend.client();
      const encoder = new ResponsesEncoder(body.model, { instructions: body.instructions, temperature: body.temperature, metadata: body.metadata }, (name) => tools.declaredName(name));
      const said = nothingSaid();
      const keep = () => {
        if (store && !keepConversation(gateway.responses, principal.id, encoder.id, [...conversation, ...assistantTurn(said)])) {
          gateway.log("warn", `/v1/responses ${backend.name}: a response larger than a key's stored-response budget was not kept`);
        }
      };
      const events = collect(client.stream(withDefaults(modelRequest, backend.resolved.settings, context.maxTokens), { signal: context.signal }), said, keep);
      return serveEvents(context, events, encoder, new StopFilter([]));
    },
  };
}
