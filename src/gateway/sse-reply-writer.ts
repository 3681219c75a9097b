import type { FastifyReply } from "fastify";
import type { ServerResponse } from "node:http";
import type { EventSink, WireEvent } from "./event-sink.js";
import { openAIErrorBody, type GatewayError } from "./openai-error.js";
import type { ErrorBody } from "./vendor-error.js";
import { sseFrame } from "./wire-format.js";

export const sseHeaders = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" };

/** Resolves when the socket can take more, or is gone. */
function drained(raw: ServerResponse): Promise<void> {
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

/**
 * The EventSink of the HTTP routes: Server-Sent Events over the Fastify reply, which it hijacks when the
 * stream opens (Fastify must not answer it too), or a whole answer and an error status through Fastify
 * while nothing was sent. The only code in the gateway that writes to a generation's reply.
 */
export class SseReplyWriter implements EventSink {
  readonly gone: AbortSignal;
  private readonly raw: ServerResponse;
  private state: "idle" | "open" | "answered" = "idle";

  constructor(
    private readonly reply: FastifyReply,
    /** The request's headers for every answer: charge, rate limits, request id. */
    private readonly headers: Record<string, string>,
    /** The error body of the route's API (OpenAI's unless an Anthropic or Gemini route says otherwise). */
    private readonly errorBody: ErrorBody = openAIErrorBody,
  ) {
    this.raw = reply.raw;
    const controller = new AbortController();
    this.gone = controller.signal;
    const onClose = () => {
      // A response that finished closes too: that is no disconnect.
      if (!this.raw.writableFinished) controller.abort();
    };
    this.raw.once("close", onClose);
    // The client may have gone before this writer was made (while the charge was reserved).
    if (this.raw.destroyed || this.raw.socket?.destroyed === true) onClose();
  }

  get opened(): boolean {
    return this.state === "open";
  }

  get sent(): boolean {
    return this.state !== "idle";
  }

  open(): void {
    if (this.state !== "idle") return;
    this.state = "open";
    this.reply.hijack();
    if (!this.raw.destroyed) this.raw.writeHead(200, { ...sseHeaders, ...this.headers });
  }

  send(events: readonly WireEvent[]): Promise<void> {
    return this.write(events.map((event) => sseFrame(event.data, event.event)).join(""));
  }

  forward(sse: string | Buffer): Promise<void> {
    return this.write(sse);
  }

  end(): void {
    if (this.state === "open") {
      if (!this.raw.writableEnded) this.raw.end();
    } else if (this.state === "idle") {
      this.state = "answered";
      this.reply.hijack();
      this.raw.destroy();
    }
  }

  async fail(error: GatewayError, events: readonly WireEvent[]): Promise<void> {
    if (this.state === "open") {
      await this.send(events);
      return this.end();
    }
    if (this.state === "answered") return;
    this.state = "answered";
    void this.reply.code(error.status).headers({ ...this.headers, ...error.headers }).send(this.errorBody(error));
  }

  answer(status: number, body: object | Buffer, contentType?: string): void {
    if (this.state !== "idle") return;
    this.state = "answered";
    void this.reply.code(status).headers({ ...this.headers, ...(contentType ? { "content-type": contentType } : {}) }).send(body);
  }

  private async write(chunk: string | Buffer): Promise<void> {
    if (this.state !== "open" || chunk.length === 0 || this.raw.destroyed || this.raw.writableEnded) return;
    if (!this.raw.write(chunk)) await drained(this.raw);
  }
}
