import type { ModelRequest, StreamEvent, StreamOptions } from "../core/index.js";
import type { ModelClient } from "../models/index.js";
import type { Backend, MemberBackend } from "./backend.js";
import { requestConversation } from "./conversation-key.js";
import type { GatewayContext } from "./gateway-context.js";
import { runOnBackend } from "./pool-run.js";
import { serveEvents, type Outcome, type RunContext } from "./serve-events.js";
import { StopFilter } from "./stop-filter.js";
import type { StreamEncoder } from "./stream-encoder.js";
import { withDefaults } from "./to-model-request.js";

/** How a runner turns a backend's client into model events (default: generate). */
export type EventSource = (client: ModelClient, request: ModelRequest, options: StreamOptions) => AsyncIterable<StreamEvent>;

const generate: EventSource = (client, request, options) => client.stream(request, options);

/** Stop sequences the gateway cuts itself: the model stops at them, but the Responses API has no such field. */
function cutByGateway(member: MemberBackend, request: ModelRequest): string[] {
  return member.kind === "upstream" && member.target.api === "responses" ? (request.stop ?? []) : [];
}

export interface ClientRun {
  backend: Backend;
  request: ModelRequest;
  /** The wire format's encoder; one per attempt, so a replica that failed before any byte leaves nothing behind. */
  encoder: () => StreamEncoder;
  events?: EventSource;
}

/**
 * Runs a ModelRequest through the ModelClient of its backend and encodes the answer (the Anthropic and
 * Gemini routes, the Responses WebSocket). On a pool the request goes to its conversation's replica, with
 * failover before the first byte and health accounting (runOnPool) — the same routing as the OpenAI routes.
 */
export function runThroughClient(gateway: GatewayContext, run: ClientRun, context: RunContext): Promise<Outcome> {
  const { backend, request } = run;
  const events = run.events ?? generate;
  const conversation = backend.kind === "pool" ? requestConversation(request) : undefined;
  return runOnBackend(gateway, backend, conversation, context, async (member, attempt) => {
    const client = await member.client();
    const stream = events(client, withDefaults(request, member.resolved.settings, attempt.maxTokens), { signal: attempt.signal });
    return serveEvents(attempt, stream, run.encoder(), new StopFilter(cutByGateway(member, request)));
  });
}
