import type { GatewayContext } from "./gateway-context.js";
import type { GenerationPlan } from "./generation-route.js";
import { parseBody, responsesRequestSchema } from "./request-schemas.js";
import { ResponsesEncoder } from "./responses-encoder.js";
import { serveEvents } from "./serve-events.js";
import { StopFilter } from "./stop-filter.js";
import { estimatePromptTokens, responsesToModelRequest, withDefaults } from "./to-model-request.js";
import { proxyToUpstream } from "./upstream-proxy.js";

/**
 * POST /v1/responses. An upstream of the Responses API gets the body passed through (usage arrives in its
 * `response.completed` event), every field included; the local engine and Chat Completions upstreams go
 * through ModelClient and are re-encoded as Responses events, which leaves out (and reports) the fields
 * they ignore, so a Chat Completions upstream never sees a Responses-only field it would reject.
 */
export function planResponses(gateway: GatewayContext, raw: unknown): GenerationPlan {
  const body = parseBody(responsesRequestSchema, raw);
  const backend = gateway.router.resolve(body.model);
  const stream = body.stream === true;
  const maxTokens = body.max_output_tokens ?? undefined;
  if (backend.kind === "upstream" && backend.target.api === "responses" && gateway.config.gateway?.passthrough !== false) {
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
  const { request: modelRequest, ignored, tools } = responsesToModelRequest(body, backendName);
  return {
    backend,
    stream,
    promptEstimate: estimatePromptTokens(modelRequest),
    maxTokens,
    choices: 1,
    ignored,
    run: async (context) => {
      const client = await backend.client();
      const events = client.stream(withDefaults(modelRequest, backend.resolved.settings, context.maxTokens), { signal: context.signal });
      const encoder = new ResponsesEncoder(body.model, { instructions: body.instructions, temperature: body.temperature, metadata: body.metadata }, (name) => tools.declaredName(name));
      return serveEvents(context, events, encoder, new StopFilter([]));
    },
  };
}
