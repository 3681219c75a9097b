import type { FastifyReply } from "fastify";
import type { ServerResponse } from "node:http";
import { emptyUsage, SparkError, toSparkError, type FinishReason, type StreamEvent, type ToolCall, type Usage } from "../core/index.js";
import { fromSparkError, GatewayError } from "./openai-error.js";
import type { StopFilter } from "./stop-filter.js";
import type { StreamEncoder } from "./stream-encoder.js";

/** What one request did, for the charge, the usage record and the metrics. */
export interface Outcome {
  status: number;
  usage: Usage;
  reason: FinishReason;
  /** Set when the answer is an error the handler still has to send (nothing was sent yet). */
  failure?: GatewayError;
  errorCode?: string;
  /** From the request's arrival to the first token sent, in ms. */
  ttftMs: number | null;
  outputTokensPerSecond: number | null;
  disconnected: boolean;
}

/** What a route's runner gets: where to answer, the headers to add, and the request's abort signal. */
export interface RunContext {
  reply: FastifyReply;
  headers: Record<string, string>;
  stream: boolean;
  /** performance.now() when the request arrived. */
  startedAt: number;
  /** Aborted when the client goes away (or a stop sequence ends the generation). */
  signal: AbortSignal;
  stopGeneration(): void;
  clientGone(): boolean;
  /** The max tokens the reservation assumed per choice; runners pass it on to the model or upstream. */
  maxTokens: number;
  /**
   * Output tokens reserved in all (max tokens times the choices asked for): a passed-through stream that
   * goes past it is cut, since an upstream may ignore max_tokens.
   */
  outputAllowance: number;
  /** Whether the bucket limits tokens (then an upstream request without max tokens gets this one). */
  limitsTokens: boolean;
  /** An error message as the client may see it: without the upstream's address. */
  publicMessage(message: string): string;
}

export const sseHeaders = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" };

/** Resolves when the socket can take more, or is gone. */
export function drained(raw: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off("drain", done);
      raw.off("close", done);
      resolve();
    };
    raw.once("drain", done);
    raw.once("close", done);
  });
}

export async function writeFrames(raw: ServerResponse, frames: string): Promise<void> {
  if (!frames || raw.destroyed || raw.writableEnded) return;
  if (!raw.write(frames)) await drained(raw);
}

/**
 * Drives a ModelClient-style event stream into one API's wire format. Streaming opens the SSE response at
 * the first token, so a failure before any output still gets a proper HTTP error status; a failure after
 * it is reported in the stream, as OpenAI does.
 */
export async function serveEvents(context: RunContext, events: AsyncIterable<StreamEvent>, encoder: StreamEncoder, stop: StopFilter): Promise<Outcome> {
  const raw = context.reply.raw;
  let opened = false;
  let text = "";
  let reasoning = "";
  const toolCalls: ToolCall[] = [];
  let usage = emptyUsage();
  let reason: FinishReason = "stop";
  let error: { code: string; message: string; status: number } | undefined;
  /** What the event iterator threw: answered like an error event, keeping the usage seen so far. */
  let thrown: GatewayError | undefined;
  let firstAt: number | undefined;

  const open = async () => {
    if (opened || !context.stream) return;
    opened = true;
    context.reply.hijack();
    if (!raw.destroyed) raw.writeHead(200, { ...sseHeaders, ...context.headers });
    await writeFrames(raw, encoder.start());
  };
  const sendText = async (chunk: string) => {
    if (!chunk) return;
    firstAt ??= performance.now();
    text += chunk;
    if (context.stream) {
      await open();
      await writeFrames(raw, encoder.text(chunk));
    }
  };

  try {
    for await (const event of events) {
      switch (event.type) {
        case "text-delta": {
          const chunk = stop.push(event.text);
          if (stop.stopped) context.stopGeneration();
          await sendText(chunk);
          break;
        }
        case "reasoning-delta":
          firstAt ??= performance.now();
          reasoning += event.text;
          if (context.stream) {
            await open();
            await writeFrames(raw, encoder.reasoning(event.text));
          }
          break;
        case "tool-call":
          firstAt ??= performance.now();
          toolCalls.push(event.toolCall);
          if (context.stream) {
            await open();
            await writeFrames(raw, encoder.toolCall(event.toolCall, toolCalls.length - 1));
          }
          break;
        case "usage":
          usage = event.usage;
          break;
        case "error":
          error = event.error;
          break;
        case "finish":
          reason = event.reason;
          break;
        default:
          break;
      }
    }
  } catch (cause) {
    // A client that went away is answered below as a disconnect, whatever the iterator threw.
    if (!context.clientGone()) thrown = cause instanceof GatewayError ? cause : fromSparkError(toSparkError(cause));
  }
  if (!thrown) await sendText(stop.flush());
  if (stop.stopped && reason === "abort" && !context.clientGone()) reason = "stop";
  const endedAt = performance.now();
  const outcome: Outcome = {
    status: 200,
    usage,
    reason,
    ttftMs: firstAt === undefined ? null : firstAt - context.startedAt,
    outputTokensPerSecond: firstAt !== undefined && endedAt > firstAt && usage.outputTokens > 1 ? ((usage.outputTokens - 1) / (endedAt - firstAt)) * 1000 : null,
    disconnected: context.clientGone(),
  };
  if (outcome.disconnected) return { ...outcome, status: 499, reason: "abort" };
  const summary = { text, reasoning, toolCalls, reason, usage };
  const failure = thrown ?? (error ? fromSparkError(new SparkError(error.code as SparkError["code"], error.message, { status: error.status })) : undefined);
  if (failure) {
    if (!opened) return { ...outcome, status: failure.status, reason: "error", failure, errorCode: failure.code ?? "error" };
    await writeFrames(raw, encoder.error({ code: failure.code ?? "error", message: context.publicMessage(failure.message) }));
    raw.end();
    return { ...outcome, reason: "error", errorCode: failure.code ?? "error" };
  }
  if (context.stream) {
    await open();
    await writeFrames(raw, encoder.end(summary));
    raw.end();
  } else {
    void context.reply.headers(context.headers).send(encoder.body(summary));
  }
  return outcome;
}
