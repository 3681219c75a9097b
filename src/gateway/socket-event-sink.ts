import WebSocket from "ws";
import type { EventSink, WireEvent } from "./event-sink.js";
import { openAIErrorBody, type GatewayError } from "./openai-error.js";

/** Past this many bytes queued on the socket, sending waits for the client to read (back-pressure). */
const HIGH_WATER_BYTES = 1024 * 1024;

/** The JSON of each `data:` line of SSE text (an upstream's frames, for `forward`). */
function sseData(sse: string): unknown[] {
  return sse
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trim())
    .filter((data) => data !== "" && data !== "[DONE]")
    .map((data) => JSON.parse(data) as unknown);
}

type Json = Record<string, unknown>;

const isTextDelta = (data: unknown): data is Json => typeof data === "object" && data !== null && (data as Json)["type"] === "response.output_text.delta";

/** Two text deltas of the same content part, which one delta can carry. */
const samePart = (a: Json, b: Json): boolean => a["item_id"] === b["item_id"] && a["output_index"] === b["output_index"] && a["content_index"] === b["content_index"];

/**
 * The EventSink of the Responses WebSocket, one per response (and one per stray error or acknowledgement):
 * each event is one JSON text message carrying its lane's `stream_id`. The socket outlives the response:
 * `end` only detaches from it; `gone` is aborted when the socket closes. Before anything was sent, a
 * failure is OpenAI's `error` event: the status an HTTP answer would have had, and the error body.
 */
export class SocketEventSink implements EventSink {
  readonly gone: AbortSignal;
  private state: "idle" | "open" | "ended" = "idle";
  private readonly detach: () => void;

  /** The text delta held for coalescing, and the turn of the event loop that sends it. */
  private held: Json | undefined;
  private heldFlush: NodeJS.Immediate | undefined;
  /** The send of the last held delta: a delta waits for it when the socket is over its high-water mark. */
  private lastFlush: Promise<void> | undefined;
  /** Sequence numbers as sent, when coalescing: consecutive, as the client expects. */
  private nextSequence: number | undefined;

  /**
   * `coalesce`: text deltas that come within one turn of the event loop go out as one message (the web
   * page: a browser pays for every WebSocket message, and one per token at thousands of tokens a second
   * took twice the page's CPU time of the HTTP stream); the other events go out as they come, in order.
   */
  constructor(private readonly socket: WebSocket, private readonly streamId: string | undefined, private readonly coalesce = false) {
    const controller = new AbortController();
    this.gone = controller.signal;
    const onClose = () => controller.abort();
    if (socket.readyState === WebSocket.OPEN) socket.once("close", onClose);
    else controller.abort();
    this.detach = () => socket.off("close", onClose);
  }

  get opened(): boolean {
    return this.state === "open";
  }

  get sent(): boolean {
    return this.state !== "idle";
  }

  open(): void {
    if (this.state === "idle") this.state = "open";
  }

  async send(events: readonly WireEvent[]): Promise<void> {
    for (const event of events) await this.sendOne(event.data);
  }

  async forward(sse: string | Buffer): Promise<void> {
    for (const data of sseData(sse.toString())) await this.sendOne(data);
  }

  end(): void {
    this.flushHeld();
    this.state = "ended";
    this.detach();
  }

  private async sendOne(data: unknown): Promise<void> {
    if (!this.coalesce || !isTextDelta(data)) {
      this.flushHeld();
      return this.message(data);
    }
    if (this.held && samePart(this.held, data)) this.held = { ...this.held, delta: `${String(this.held["delta"])}${String(data["delta"])}` };
    else {
      this.flushHeld();
      this.held = data;
    }
    this.heldFlush ??= setImmediate(() => this.flushHeld());
    await this.lastFlush;
  }

  /** Sends the held delta now (ws sends in call order, so it goes out before anything sent after). */
  private flushHeld(): void {
    if (this.heldFlush) clearImmediate(this.heldFlush);
    this.heldFlush = undefined;
    const held = this.held;
    this.held = undefined;
    if (held) this.lastFlush = this.message(held);
  }

  async fail(error: GatewayError, events: readonly WireEvent[]): Promise<void> {
    if (this.state === "open") await this.send(events);
    else if (this.state === "idle") await this.message({ type: "error", status: error.status, ...openAIErrorBody(error) });
    this.end();
  }

  /** A whole answer is one event; an error answer becomes an `error` event with its status. */
  answer(status: number, body: object | Buffer): void {
    if (this.state !== "idle") return;
    const data = (Buffer.isBuffer(body) ? JSON.parse(body.toString("utf8")) : body) as object;
    void this.message(status >= 400 ? { type: "error", status, ...data } : data);
    this.end();
  }

  /** One event that is no part of a response's stream (a steer's acknowledgement). */
  notify(event: Record<string, unknown>): Promise<void> {
    this.flushHeld();
    return this.message(event);
  }

  private async message(data: unknown): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const text = JSON.stringify(this.stamped(data));
    if (this.socket.bufferedAmount < HIGH_WATER_BYTES) return this.socket.send(text);
    await new Promise<void>((resolve) => this.socket.send(text, () => resolve()));
  }

  /** `data` with its lane's `stream_id`, and renumbered when coalescing (merged deltas leave gaps otherwise). */
  private stamped(data: unknown): unknown {
    if (typeof data !== "object" || data === null) return data;
    const stamped: Json = this.streamId !== undefined ? { ...data, stream_id: this.streamId } : { ...data };
    if (this.coalesce && typeof stamped["sequence_number"] === "number") {
      this.nextSequence ??= stamped["sequence_number"];
      stamped["sequence_number"] = this.nextSequence++;
    }
    return stamped;
  }
}
