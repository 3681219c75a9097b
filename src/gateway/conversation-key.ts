import { createHash } from "node:crypto";
import type { ModelRequest } from "../core/index.js";

/** Characters of the prompt's start that name a conversation without a key: its system prompt and first turns. */
export const PROMPT_PREFIX_CHARS = 2048;

/** What a request says about the conversation it continues. */
export interface ConversationHints {
  /** OpenAI's prompt_cache_key (the web UI and Spark's sessions send one per conversation). */
  promptCacheKey?: string | null | undefined;
  /** The Responses API's previous_response_id: the conversation is where that response was made. */
  previousResponseId?: string | null | undefined;
  /** The prompt as sent (messages, input, prompt): its start names the conversation when nothing else does. */
  prompt: unknown;
}

/** The key a response id is kept under, so the next turn's previous_response_id finds its replica. */
export function responseKey(id: string): string {
  return `response:${id}`;
}

/** A message list up to its first user message (system prompt and first question): what later turns repeat. */
function opening(prompt: unknown): unknown {
  if (!Array.isArray(prompt)) return prompt;
  const first = prompt.findIndex((item: unknown) => typeof item === "object" && item !== null && (item as { role?: unknown }).role === "user");
  return first === -1 ? prompt : prompt.slice(0, first + 1);
}

/**
 * The conversation a request belongs to, for cache affinity: its prompt_cache_key, else the response it
 * continues, else a hash of its opening (messages up to the first user message, at most PROMPT_PREFIX_CHARS
 * characters): an agent re-sends the same opening every turn, so the turns of one conversation share it.
 */
export function conversationKey(hints: ConversationHints): string {
  if (hints.promptCacheKey) return `key:${hints.promptCacheKey}`;
  if (hints.previousResponseId) return responseKey(hints.previousResponseId);
  const text = typeof hints.prompt === "string" ? hints.prompt : JSON.stringify(opening(hints.prompt) ?? "");
  return `prefix:${createHash("sha256").update(text.slice(0, PROMPT_PREFIX_CHARS)).digest("hex").slice(0, 32)}`;
}

/** The conversation of a request already in Spark's form: its cache key (a session's, a socket chain's), else its opening. */
export function requestConversation(request: ModelRequest): string {
  return conversationKey({ promptCacheKey: request.cacheKey, prompt: request.messages });
}
