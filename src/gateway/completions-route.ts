import type { CompletionRequest } from "../core/index.js";
import { completeOn } from "../models/index.js";
import { CompletionsEncoder } from "./completions-encoder.js";
import type { GatewayContext } from "./gateway-context.js";
import type { GenerationPlan } from "./generation-route.js";
import { unsupported } from "./openai-error.js";
import { ignorableCompletionsFields, presentFields } from "./ignored-fields.js";
import { completionsRequestSchema, parseBody, refuseUnknownFields } from "./request-schemas.js";
import { serveEvents } from "./serve-events.js";
import { StopFilter } from "./stop-filter.js";
import { stopSequences } from "./to-model-request.js";
import { proxyToUpstream } from "./upstream-proxy.js";

const localFields = ["model", "prompt", "suffix", "stream", "stream_options", "max_tokens", "temperature", "top_p", "n", "best_of", "echo", "logprobs", "seed", "stop", "presence_penalty", "frequency_penalty", ...ignorableCompletionsFields];

/**
 * POST /v1/completions, the editors' fill-in-the-middle route: `prompt` is the text before the cursor and
 * `suffix` the text after it. Local models complete through their ModelClient (infill tokens, or the
 * chat prompt of models/fill-by-chat.ts without them); upstreams get the request forwarded as it is.
 */
export function planCompletions(gateway: GatewayContext, raw: unknown): GenerationPlan {
  const body = parseBody(completionsRequestSchema, raw);
  const backend = gateway.router.resolve(body.model);
  const stream = body.stream === true;
  const prompt = typeof body.prompt === "string" ? body.prompt : (body.prompt[0] ?? "");
  const suffix = body.suffix ?? undefined;
  const promptEstimate = Math.ceil((prompt.length + (suffix?.length ?? 0)) / 4) + 3;
  const maxTokens = body.max_tokens ?? undefined;
  // best_of completions are generated (and billed) to return n of them.
  const choices = Math.max(body.n ?? 1, body.best_of ?? 1);
  // What the generation route charges and meters, the same for an upstream and a local model.
  const sizing = { stream, promptEstimate, maxTokens, choices };
  if (backend.kind === "upstream") {
    const { target, apiKey } = backend;
    const wantsUsage = body.stream_options?.include_usage === true;
    return {
      backend,
      ...sizing,
      run: (context) => {
        const forwarded: Record<string, unknown> = { ...body, model: target.model };
        if (stream) forwarded.stream_options = { ...body.stream_options, include_usage: true };
        if (context.limitsTokens && maxTokens === undefined) forwarded.max_tokens = context.maxTokens;
        return proxyToUpstream(gateway.agents, context, {
          target,
          apiKey,
          path: "/completions",
          body: forwarded,
          stripUsage: stream && !wantsUsage,
          promptEstimate,
          timeoutMs: gateway.timeoutMs,
        });
      },
    };
  }
  const backendName = `the local model '${backend.name}'`;
  const unknown = refuseUnknownFields(body, localFields, backendName);
  if (unknown) throw unknown;
  for (const [param, value, fallback] of [["n", body.n, 1], ["best_of", body.best_of, 1], ["echo", body.echo, false], ["logprobs", body.logprobs, 0], ["top_p", body.top_p, 1], ["presence_penalty", body.presence_penalty, 0], ["frequency_penalty", body.frequency_penalty, 0]] as const) {
    if (value !== undefined && value !== null && value !== fallback) throw unsupported(param, `'${param}' = ${JSON.stringify(value)} is not supported for ${backendName}; leave it out.`);
  }
  const temperature = body.temperature ?? backend.resolved.settings.temperature;
  const request: CompletionRequest = {
    prompt,
    ...(suffix !== undefined ? { suffix } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(body.seed !== undefined && body.seed !== null ? { seed: body.seed } : {}),
    stop: stopSequences(body.stop),
  };
  return {
    backend,
    ...sizing,
    ignored: presentFields(body, ignorableCompletionsFields),
    run: async (context) => {
      const events = completeOn(await backend.client(), { ...request, maxTokens: context.maxTokens }, { signal: context.signal });
      return serveEvents(context, events, new CompletionsEncoder(body.model, body.stream_options?.include_usage === true), new StopFilter([]));
    },
  };
}
