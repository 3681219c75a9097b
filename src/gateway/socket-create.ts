import type { Message, ModelRequest } from "../core/index.js";
import type { Backend, ModelRouter } from "./model-router.js";
import { badRequest, GatewayError } from "./openai-error.js";
import type { ResponseChainStore, StoredResponse } from "./response-chain-store.js";
import { parseBody, responsesCreateSchema, type ResponsesRequest } from "./request-schemas.js";
import type { ResponsesTools } from "./responses-tools.js";
import { responsesToModelRequest } from "./to-model-request.js";

type Json = Record<string, unknown>;

/** A `response.create` event, parsed, routed and joined to the response it continues. */
export interface SocketCreate {
  body: ResponsesRequest;
  /** False for a prewarm: the prompt goes into the cache, nothing is generated. */
  generate: boolean;
  backend: Backend;
  /** The whole conversation for the model: instructions, what the chain holds, the new input. */
  request: ModelRequest;
  /** The same without the instructions, as the chain keeps it. */
  conversation: Message[];
  tools: ResponsesTools;
  ignored: string[];
  previous: StoredResponse | undefined;
}

/** Fields of the event that are not part of the POST body: the envelope, and what the socket implies. */
const envelopeFields = ["type", "stream_id", "generate", "stream"];

export function previousNotFound(id: string): GatewayError {
  return new GatewayError(
    400,
    `Previous response with id '${id}' not found: this socket does not keep it (another socket made it, it expired, or the socket's memory limit dropped it). Send the full input without previous_response_id.`,
    "previous_response_not_found",
    "previous_response_id",
  );
}

function bodyOf(event: Json): Json {
  if (event["background"] === true) throw badRequest("'background' is not supported over the WebSocket: its responses always stream on the socket. Leave it out.", "background", "unsupported_parameter");
  if (event["generate"] !== undefined && typeof event["generate"] !== "boolean") throw badRequest("'generate' must be true or false.", "generate", "invalid_type");
  return Object.fromEntries(Object.entries(event).filter(([key]) => !envelopeFields.includes(key) && key !== "background"));
}

/**
 * Parses a `response.create` like a POST /v1/responses body (minus stream and background) and builds the
 * model's conversation: a continuation gets the conversation of `previous_response_id` from the socket's
 * chain (or, for one made with `store: true`, from the caller's stored responses), then its own input; its
 * own instructions replace the earlier ones, as OpenAI's API does.
 */
export function prepareCreate(router: ModelRouter, chains: ResponseChainStore, event: Json, stored?: (id: string) => StoredResponse | undefined): SocketCreate {
  const raw = bodyOf(event);
  const body = parseBody(responsesCreateSchema, raw);
  const previousId = body.previous_response_id ?? undefined;
  const previous = previousId === undefined ? undefined : (chains.get(previousId) ?? stored?.(previousId));
  if (previousId !== undefined && !previous) throw previousNotFound(previousId);
  const backend = router.resolve(body.model);
  const backendName = backend.kind === "local" ? `the local model '${backend.name}'` : `the model '${backend.name}'`;
  const { request, ignored, tools } = responsesToModelRequest({ ...body, previous_response_id: null }, backendName);
  const own = body.instructions ? request.messages.slice(1) : request.messages;
  const conversation = [...(previous?.conversation ?? []), ...own];
  const messages = body.instructions ? [{ role: "system" as const, content: body.instructions }, ...conversation] : conversation;
  return { body, generate: event["generate"] !== false, backend, request: { ...request, messages }, conversation, tools, ignored, previous };
}
