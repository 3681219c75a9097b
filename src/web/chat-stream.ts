import type { GatewayClient } from "./gateway-client.js";
import { quotaFromHeaders, type BucketQuota } from "./quota.js";

/** One chat answer from the gateway's /v1/chat/completions (stream: true) as typed events. */
export type ChatStreamEvent =
  | { type: "quota"; quota: BucketQuota }
  | { type: "text-delta"; text: string }
  | { type: "usage"; promptTokens: number; completionTokens: number }
  | { type: "error"; message: string }
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

/** Splits an SSE byte stream into the payloads of its `data:` lines, one per event. */
async function* ssePayloads(body: ReadableStream<Uint8Array>): AsyncIterable<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
        const data = event.split(/\r?\n/).filter((line) => line.startsWith("data:")).map((line) => line.slice(5).replace(/^ /, ""));
        if (data.length > 0) yield data.join("\n");
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function* eventsOf(frame: ChunkFrame): Iterable<ChatStreamEvent> {
  if (frame.error) yield { type: "error", message: frame.error.message ?? "the model failed" };
  const choice = frame.choices?.[0];
  const text = choice?.delta?.content;
  if (text) yield { type: "text-delta", text };
  if (choice?.finish_reason) yield { type: "finish", reason: choice.finish_reason };
  if (frame.usage) yield { type: "usage", promptTokens: frame.usage.prompt_tokens ?? 0, completionTokens: frame.usage.completion_tokens ?? 0 };
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof DOMException && error.name === "AbortError");
}

/**
 * Streams one answer. Stopping (the signal) ends the stream with finish "abort", keeping what came; it
 * never throws for that. A refused request (401, 429, unknown model…) throws GatewayRequestError.
 */
export async function* streamChat(client: GatewayClient, model: string, messages: ChatMessage[], signal: AbortSignal): AsyncIterable<ChatStreamEvent> {
  let response: Response;
  try {
    response = await client.request("/v1/chat/completions", { method: "POST", body: { model, messages, stream: true, stream_options: { include_usage: true } }, signal });
  } catch (error) {
    if (isAbort(error, signal)) return yield { type: "finish", reason: "abort" };
    throw error;
  }
  const quota = quotaFromHeaders(response.headers);
  if (quota) yield { type: "quota", quota };
  let finished = false;
  try {
    for await (const payload of ssePayloads(response.body ?? new ReadableStream())) {
      if (payload === "[DONE]") break;
      for (const event of eventsOf(JSON.parse(payload) as ChunkFrame)) {
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
