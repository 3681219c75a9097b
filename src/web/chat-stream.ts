import type { GatewayClient } from "./gateway-client.js";
import { quotaFromHeaders, type BucketQuota } from "./quota.js";
import { ssePayloadBatches } from "./sse-payloads.js";

/** One chat answer from the gateway's /v1/chat/completions (stream: true) as typed events. */
export type ChatStreamEvent =
  | { type: "quota"; quota: BucketQuota }
  /** `deltas`: how many of the server's deltas this text merges (about one token each). */
  | { type: "text-delta"; text: string; deltas: number }
  | { type: "usage"; promptTokens: number; completionTokens: number }
  | { type: "error"; message: string }
  /** A redirect (`text`) ended the answer so far; the successor's answer follows in the same stream. */
  | { type: "steered"; text: string }
  | { type: "finish"; reason: string };

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

interface ChunkFrame {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

function* eventsOf(frame: ChunkFrame): Iterable<ChatStreamEvent> {
  if (frame.error) yield { type: "error", message: frame.error.message ?? "the model failed" };
  const choice = frame.choices?.[0];
  const text = choice?.delta?.content;
  if (text) yield { type: "text-delta", text, deltas: 1 };
  if (choice?.finish_reason) yield { type: "finish", reason: choice.finish_reason };
  if (frame.usage) yield { type: "usage", promptTokens: frame.usage.prompt_tokens ?? 0, completionTokens: frame.usage.completion_tokens ?? 0 };
}

/** The events of one read; its text deltas merged into one, so the page does one update per read. */
function eventsOfBatch(payloads: string[]): ChatStreamEvent[] {
  const events: ChatStreamEvent[] = [];
  let text = "";
  let deltas = 0;
  const flushText = () => {
    if (deltas > 0) events.push({ type: "text-delta", text, deltas });
    text = "";
    deltas = 0;
  };
  for (const payload of payloads) {
    if (payload === "[DONE]") break;
    for (const event of eventsOf(JSON.parse(payload) as ChunkFrame)) {
      if (event.type === "text-delta") {
        text += event.text;
        deltas += event.deltas;
      } else {
        flushText();
        events.push(event);
      }
    }
  }
  flushText();
  return events;
}

/** One answer to ask for: the conversation so far and the key its calls share (OpenAI's prompt_cache_key). */
export interface ChatCall {
  model: string;
  messages: ChatMessage[];
  cacheKey: string;
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof DOMException && error.name === "AbortError");
}

/**
 * Streams one answer. Stopping (the signal) ends the stream with finish "abort", keeping what came; it
 * never throws for that. A refused request (401, 429, unknown model…) throws GatewayRequestError.
 */
export async function* streamChat(client: GatewayClient, chat: ChatCall, signal: AbortSignal): AsyncIterable<ChatStreamEvent> {
  const { model, messages, cacheKey } = chat;
  let response: Response;
  try {
    const body = { model, messages, stream: true, stream_options: { include_usage: true }, prompt_cache_key: cacheKey };
    response = await client.request("/v1/chat/completions", { method: "POST", body, signal });
  } catch (error) {
    if (isAbort(error, signal)) return yield { type: "finish", reason: "abort" };
    throw error;
  }
  const quota = quotaFromHeaders(response.headers);
  if (quota) yield { type: "quota", quota };
  let finished = false;
  try {
    for await (const payloads of ssePayloadBatches(response.body ?? new ReadableStream())) {
      for (const event of eventsOfBatch(payloads)) {
        if (event.type === "finish") finished = true;
        yield event;
      }
    }
  } catch (error) {
    if (isAbort(error, signal)) return yield { type: "finish", reason: "abort" };
    throw error;
  }
  if (!finished) yield { type: "finish", reason: signal.aborted ? "abort" : "error" };
}
