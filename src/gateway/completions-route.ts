import type { CompletionRequest } from "../core/index.js";
import { completeOn } from "../models/index.js";
import { CompletionsEncoder } from "./completions-encoder.js";
import type { LocalBackend, UpstreamBackend } from "./backend.js";
import { conversationKey } from "./conversation-key.js";
import type { GatewayContext } from "./gateway-context.js";
import type { GenerationPlan } from "./generation-route.js";
import { unsupported } from "./openai-error.js";
import { ignorableCompletionsFields, presentFields } from "./ignored-fields.js";
import { completionsRequestSchema, parseBody, refuseUnknownFields, type CompletionsRequest } from "./request-schemas.js";
import { runOnPool } from "./pool-run.js";
import { serveEvents, type Outcome, type RunContext } from "./serve-events.js";
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
  const completeLocally = localCompletion(body, prompt, suffix);
  const wantsUsage = body.stream_options?.include_usage === true;
  const proxy = (member: UpstreamBackend, context: RunContext) => {
    const { target, apiKey } = member;
    const forwarded: Record<string, unknown> = { ...body, model: target.model };
    if (stream) forwarded.stream_options = { ...body.stream_options, include_usage: true };
    if (context.limitsTokens && maxTokens === undefined) forwarded.max_tokens = context.maxTokens;
    return proxyToUpstream(gateway.agents, context, { target, apiKey, path: "/completions", body: forwarded, stripUsage: stream && !wantsUsage, promptEstimate, timeoutMs: gateway.timeoutMs });
  };
  if (backend.kind === "pool") {
    const conversation = conversationKey({ prompt });
    return {
      backend,
      ...sizing,
      run: (context) => runOnPool(gateway, backend, conversation, context, (member, attempt) => (member.kind === "upstream" ? proxy(member, attempt) : completeLocally(member, attempt))),
    };
  }
  if (backend.kind === "upstream") return { backend, ...sizing, run: (context) => proxy(backend, context) };
  checkLocalFields(body, backend.name);
  return { backend, ...sizing, ignored: presentFields(body, ignorableCompletionsFields), run: (context) => completeLocally(backend, context) };
}

/** Refuses the fields a local model cannot honour (before the charge, when the model is known to be local). */
function checkLocalFields(body: CompletionsRequest, name: string): void {
  const backendName = `the local model '${name}'`;
  const unknown = refuseUnknownFields(body, localFields, backendName);
  if (unknown) throw unknown;
  for (const [param, value, fallback] of [["n", body.n, 1], ["best_of", body.best_of, 1], ["echo", body.echo, false], ["logprobs", body.logprobs, 0], ["top_p", body.top_p, 1], ["presence_penalty", body.presence_penalty, 0], ["frequency_penalty", body.frequency_penalty, 0]] as const) {
    if (value !== undefined && value !== null && value !== fallback) throw unsupported(param, `'${param}' = ${JSON.stringify(value)} is not supported for ${backendName}; leave it out.`);
  }
}

/** A local model's completion: its fields checked (what it cannot do is refused), then completed through its ModelClient. */
function localCompletion(body: CompletionsRequest, prompt: string, suffix: string | undefined) {
  return async (backend: LocalBackend, context: RunContext): Promise<Outcome> => {
    checkLocalFields(body, backend.name);
    const temperature = body.temperature ?? backend.resolved.settings.temperature;
    const request: CompletionRequest = {
      prompt,
      ...(suffix !== undefined ? { suffix } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(body.seed !== undefined && body.seed !== null ? { seed: body.seed } : {}),
      stop: stopSequences(body.stop),
    };
    const events = completeOn(await backend.client(), { ...request, maxTokens: context.maxTokens }, { signal: context.signal });
    return serveEvents(context, events, new CompletionsEncoder(body.model, body.stream_options?.include_usage === true), new StopFilter([]));
  };
}
