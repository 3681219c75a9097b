import type { Message } from "../core/index.js";
import type { ResponseStore } from "../store/index.js";
import { GatewayError } from "./openai-error.js";

/**
 * `store: true` and `previous_response_id` over POST /v1/responses: a response's conversation (without
 * the instructions, which each request sends again, as OpenAI's API has it) kept in the gateway's database
 * under the API key that made it. Another key, an unknown id and an expired one all read the same: not found.
 */

export function storedResponseNotFound(id: string): GatewayError {
  return new GatewayError(
    400,
    `Previous response with id '${id.slice(0, 200)}' not found. Only responses made with 'store': true by this API key are kept, for a limited time and number; send the full conversation in 'input' without previous_response_id.`,
    "previous_response_not_found",
    "previous_response_id",
  );
}

/** The conversation up to and including this key's response `id`, undefined when the key has none such. */
export function readStoredConversation(store: ResponseStore, owner: string, id: string): Message[] | undefined {
  const text = store.get(owner, id);
  if (text === undefined) return undefined;
  const conversation: unknown = JSON.parse(text);
  return Array.isArray(conversation) ? (conversation as Message[]) : undefined;
}

/** The same, or OpenAI's `previous_response_not_found`. */
export function loadStoredConversation(store: ResponseStore, owner: string, id: string): Message[] {
  const conversation = readStoredConversation(store, owner, id);
  if (conversation === undefined) throw storedResponseNotFound(id);
  return conversation;
}

/** Keeps a response for this key; false when it is larger than the key's whole budget (then it is not kept). */
export function keepConversation(store: ResponseStore, owner: string, id: string, conversation: Message[]): boolean {
  return store.put(owner, id, JSON.stringify(conversation));
}
