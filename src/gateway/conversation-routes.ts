import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { WEB_CONVERSATION_LIMITS, type WebConversationStore } from "../store/index.js";
import type { Authenticator } from "./authenticate.js";
import { GatewayError } from "./openai-error.js";
import { parseBody } from "./request-schemas.js";

/**
 * The web UI's saved conversations, authenticated like the model routes (a key once keys exist; anyone on
 * loopback before). Each key sees only its own conversations.
 *
 *   GET    /v1/spark/conversations               {data: [{id, title, model, createdAt, updatedAt, messageCount}]}
 *   POST   /v1/spark/conversations               {title, model} -> the new conversation
 *   GET    /v1/spark/conversations/:id           the conversation with its messages
 *   POST   /v1/spark/conversations/:id/messages  {role, content, interrupted?}
 *   DELETE /v1/spark/conversations/:id
 */
export const CONVERSATIONS_PATH = "/v1/spark/conversations";

const MAX_TITLE = 200;

const newConversation = z.strictObject({ title: z.string().max(MAX_TITLE), model: z.string().min(1).max(MAX_TITLE) });
const newMessage = z.strictObject({ role: z.enum(["user", "assistant"]), content: z.string(), interrupted: z.boolean().optional() });

function notFound(id: string): GatewayError {
  return new GatewayError(404, `There is no conversation '${id}' for this key. GET ${CONVERSATIONS_PATH} lists yours.`, "conversation_not_found");
}

export function registerConversationRoutes(app: FastifyInstance, auth: Authenticator, store: WebConversationStore): void {
  const owner = (request: FastifyRequest) => auth.authenticate(request.raw).id;

  app.get(CONVERSATIONS_PATH, async (request) => ({ object: "list", data: store.list(owner(request)) }));

  app.post(CONVERSATIONS_PATH, async (request, reply) => {
    const who = owner(request);
    const body = parseBody(newConversation, request.body);
    return reply.code(201).send(store.create(who, body.title.trim() || "Untitled", body.model));
  });

  app.get<{ Params: { id: string } }>(`${CONVERSATIONS_PATH}/:id`, async (request) => {
    const conversation = store.get(owner(request), request.params.id);
    if (!conversation) throw notFound(request.params.id);
    return conversation;
  });

  app.post<{ Params: { id: string } }>(`${CONVERSATIONS_PATH}/:id/messages`, async (request, reply) => {
    const who = owner(request);
    const body = parseBody(newMessage, request.body);
    const outcome = store.append(who, request.params.id, { role: body.role, content: body.content, interrupted: body.interrupted ?? false });
    if (outcome === "not-found") throw notFound(request.params.id);
    if (outcome === "full") {
      const { messages, characters } = WEB_CONVERSATION_LIMITS;
      throw new GatewayError(409, `The conversation '${request.params.id}' is full (at most ${messages} messages and ${characters} characters). Start a new conversation.`, "conversation_full");
    }
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>(`${CONVERSATIONS_PATH}/:id`, async (request, reply) => {
    if (!store.remove(owner(request), request.params.id)) throw notFound(request.params.id);
    return reply.code(204).send();
  });
}
