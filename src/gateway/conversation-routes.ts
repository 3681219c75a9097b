import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import {
  WEB_CONVERSATION_LIMITS,
  WEB_CONVERSATION_PAGE_MAX,
  WEB_CONVERSATION_SEARCH_MAX,
  type WebConversationCursor,
  type WebConversationStore,
  type WebConversationTotals,
} from "../store/index.js";
import type { Principal } from "./authenticate.js";
import type { GatewayContext } from "./gateway-context.js";
import { effectiveLimits, STANDARD_FAMILY } from "./model-families.js";
import { GatewayError } from "./openai-error.js";
import { RequestCharge } from "./request-charge.js";
import { parseBody } from "./request-schemas.js";

/**
 * The web UI's saved conversations, authenticated like the model routes (a key once keys exist; anyone on
 * loopback before). Each key sees only its own conversations and stores at most its quota (see
 * WebConversationStore). Every request counts against the key's requests-per-minute limit of the
 * "standard" family, as a model request does, before its body is read.
 *
 *   GET    /v1/spark/conversations               {data: [{id, title, model, createdAt, updatedAt, messageCount}], next}
 *          ?limit=1..100 (default 100) &after=NEXT (the page after) &q=TEXT (title or any message contains it)
 *   POST   /v1/spark/conversations               {title, model} -> the new conversation
 *   GET    /v1/spark/conversations/:id           the conversation with its messages
 *   PATCH  /v1/spark/conversations/:id           {title} (1 to 200 characters) -> {id, title}
 *   POST   /v1/spark/conversations/:id/messages  {role, content, interrupted?}
 *   DELETE /v1/spark/conversations/:id
 */
export const CONVERSATIONS_PATH = "/v1/spark/conversations";

const MAX_TITLE = 200;

const newConversation = z.strictObject({ title: z.string().max(MAX_TITLE), model: z.string().min(1).max(MAX_TITLE) });
const renamed = z.strictObject({ title: z.string().trim().min(1).max(MAX_TITLE) });
const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(WEB_CONVERSATION_PAGE_MAX).optional(),
  after: z.string().max(200).optional(),
  q: z.string().max(WEB_CONVERSATION_SEARCH_MAX).optional(),
});
const newMessage = z.strictObject({ role: z.enum(["user", "assistant"]), content: z.string(), interrupted: z.boolean().optional() });

/** A page cursor travels as "updatedAt~id" (both come from the store; neither contains "~"). */
function encodeCursor(cursor: WebConversationCursor | undefined): string | null {
  return cursor ? `${cursor.updatedAt}~${cursor.id}` : null;
}

function decodeCursor(text: string | undefined): WebConversationCursor | undefined {
  if (text === undefined || text === "") return undefined;
  const [updatedAt, id, ...rest] = text.split("~");
  if (!updatedAt || !id || rest.length > 0) {
    throw new GatewayError(400, `The page cursor '${text.slice(0, 60)}' is not one this gateway gave: pass the \`next\` of the page before, or leave \`after\` out for the first page.`, "invalid_value");
  }
  return { updatedAt, id };
}

function notFound(id: string): GatewayError {
  return new GatewayError(404, `There is no conversation '${id}' for this key. GET ${CONVERSATIONS_PATH} lists yours.`, "conversation_not_found");
}

/** Where to make room, and which config key raises the quota, for both quota errors. */
function quotaAdvice(principal: Principal, configKey: string): string {
  const whose = principal.id === "anonymous" ? "this gateway" : `key "${principal.name}"`;
  return `Delete old conversations in the web UI's sidebar (or DELETE ${CONVERSATIONS_PATH}/ID) to make room for ${whose}, or ask the gateway's operator to raise \`${configKey}\` under [gateway].`;
}

function tooManyConversations(principal: Principal, quota: WebConversationTotals): GatewayError {
  return new GatewayError(409, `This key already keeps ${quota.conversations} conversations, its limit. ${quotaAdvice(principal, "conversations_max")}`, "conversation_quota_exceeded");
}

function storageFull(principal: Principal, store: WebConversationStore, quota: WebConversationTotals, added: number): GatewayError {
  const { characters } = store.totals(principal.id);
  return new GatewayError(
    413,
    `This message (${added} characters) does not fit: this key's conversations hold ${characters} of its ${quota.characters} characters. ${quotaAdvice(principal, "conversation_storage_max_chars")}`,
    "conversation_storage_full",
  );
}

/**
 * Counts the request in the key's bucket, charging no tokens: only the requests-per-minute limit applies,
 * so a key out of tokens can still read and delete its conversations. A 0-token reservation needs no
 * settling. A flood gets the model routes' 429 with Retry-After.
 */
async function countRequest(context: GatewayContext, principal: Principal): Promise<Record<string, string>> {
  const { requestsPerMinute } = effectiveLimits(STANDARD_FAMILY, principal.limits, context.config.gateway?.limits);
  const limits = requestsPerMinute === undefined ? {} : { requestsPerMinute };
  return (await RequestCharge.reserve(context.buckets, context.metrics, principal, STANDARD_FAMILY, limits, 0)).headers;
}

export function registerConversationRoutes(app: FastifyInstance, context: GatewayContext, store: WebConversationStore, quota: WebConversationTotals): void {
  const principal = (request: FastifyRequest) => context.auth.authenticate(request.raw);
  const owner = (request: FastifyRequest) => principal(request).id;
  // onRequest: refused before the body is read, so a flood of large bodies costs no buffering.
  const counted = {
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
      reply.headers(await countRequest(context, principal(request)));
    },
  };

  app.get(CONVERSATIONS_PATH, counted, async (request) => {
    const query = parseBody(listQuery, request.query);
    const search = query.q?.trim();
    const page = store.list(owner(request), { limit: query.limit, after: decodeCursor(query.after), search: search || undefined });
    return { object: "list", data: page.conversations, next: encodeCursor(page.next) };
  });

  app.patch<{ Params: { id: string } }>(`${CONVERSATIONS_PATH}/:id`, counted, async (request) => {
    const body = parseBody(renamed, request.body);
    if (!store.rename(owner(request), request.params.id, body.title)) throw notFound(request.params.id);
    return { id: request.params.id, title: body.title };
  });

  app.post(CONVERSATIONS_PATH, counted, async (request, reply) => {
    const who = principal(request);
    const body = parseBody(newConversation, request.body);
    const created = store.create(who.id, body.title.trim() || "Untitled", body.model);
    if (created === "too-many") throw tooManyConversations(who, quota);
    return reply.code(201).send(created);
  });

  app.get<{ Params: { id: string } }>(`${CONVERSATIONS_PATH}/:id`, counted, async (request) => {
    const conversation = store.get(owner(request), request.params.id);
    if (!conversation) throw notFound(request.params.id);
    return conversation;
  });

  app.post<{ Params: { id: string } }>(`${CONVERSATIONS_PATH}/:id/messages`, counted, async (request, reply) => {
    const who = principal(request);
    const body = parseBody(newMessage, request.body);
    const outcome = store.append(who.id, request.params.id, { role: body.role, content: body.content, interrupted: body.interrupted ?? false });
    if (outcome === "not-found") throw notFound(request.params.id);
    if (outcome === "over-quota") throw storageFull(who, store, quota, body.content.length);
    if (outcome === "full") {
      const { messages, characters } = WEB_CONVERSATION_LIMITS;
      throw new GatewayError(409, `The conversation '${request.params.id}' is full (at most ${messages} messages and ${characters} characters). Start a new conversation.`, "conversation_full");
    }
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>(`${CONVERSATIONS_PATH}/:id`, counted, async (request, reply) => {
    if (!store.remove(owner(request), request.params.id)) throw notFound(request.params.id);
    return reply.code(204).send();
  });
}
