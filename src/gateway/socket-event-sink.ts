import WebSocket from "ws";
import type { EventSink, WireEvent } from "./event-sink.js";
import { openAIErrorBody, type GatewayError } from "./openai-error.js";

/** Past this many bytes queued on the socket, sending waits for the client to read (back-pressure). */
const HIGH_WATER_BYTES = 1024 * 1024;
/**
 * When coalescing, text deltas go out at most once per this many milliseconds: half a 60 Hz frame, so the
 * page still gets text for every frame it paints, while a stream of thousands of tokens a second costs it
 * ~125 messages a second instead of one per upstream chunk (~470 at 5,000 tokens/s in the web bench). A
 * delta after a quiet spell goes out at the end of its turn: a first token is not held back.
 */
const COALESCE_WINDOW_MS = 8;

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

  /** The text delta held for coalescing (the first delta's event and the text of each merged into it), and the timer that sends it. */
  private held: { event: Json; text: string[] } | undefined;
  private heldFlush: NodeJS.Timeout | undefined;
  /** When the last held delta went out (performance.now()). */
  private lastDeltaAt = -Infinity;
  /** The send of the last held delta: a delta waits for it when the socket is over its high-water mark. */
  private lastFlush: Promise<void> | undefined;
  /** Sequence numbers as sent, when coalescing: consecutive, as the client expects. */
  private nextSequence: number | undefined;

  /**
   * `coalesce`: text deltas that come within one turn of the event loop, or within COALESCE_WINDOW_MS of
   * the last delta sent, go out as one message (the web page: a browser pays for every WebSocket message,
   * and one per token at thousands of tokens a second took twice the page's CPU time of the HTTP stream);
   * the other events go out as they come, in order, each sending the held text before it.
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
    if (this.held && samePart(this.held.event, data)) this.held.text.push(String(data["delta"]));
    else {
      this.flushHeld();
      this.held = { event: data, text: [String(data["delta"])] };
    }
    // A zero delay still waits for the turn's other deltas (timers run after the turn's I/O callbacks).
    this.heldFlush ??= setTimeout(() => this.flushHeld(), Math.max(0, this.lastDeltaAt + COALESCE_WINDOW_MS - performance.now()));
    await this.lastFlush;
  }

  /** Sends the held delta now (ws sends in call order, so it goes out before anything sent after). */
  private flushHeld(): void {
    if (this.heldFlush) clearTimeout(this.heldFlush);
    this.heldFlush = undefined;
    const held = this.held;
    this.held = undefined;
    // One new event per message sent, not per delta merged.
    if (!held) return;
    this.lastDeltaAt = performance.now();
    this.lastFlush = this.message(held.text.length === 1 ? held.event : { ...held.event, delta: held.text.join("") });
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
    const text = this.json(data);
    if (this.socket.bufferedAmount < HIGH_WATER_BYTES) return this.socket.send(text);
    await new Promise<void>((resolve) => this.socket.send(text, () => resolve()));
  }

  /**
   * `data`'s JSON with its lane's `stream_id`, renumbered when coalescing. The event is never changed (an
   * answer's body may be kept elsewhere) and copied only when it must be: the lane's id is spliced into the
   * JSON text (copying every event took 6-9% of the sink's CPU on a lane, and merging by copies 38% on the
   * page: bench/results/socket-sink-before-after.md).
   */
  private json(data: unknown): string {
    if (typeof data !== "object" || data === null) return JSON.stringify(data);
    const event = this.coalesce ? this.renumbered(data as Json) : data;
    const text = JSON.stringify(event);
    if (this.streamId === undefined) return text;
    // An object of its own: its text is `{...}`. Another value, or one naming a stream_id already (an
    // upstream's frame), is copied so that the lane's id is its one stream_id.
    if (!text.startsWith("{") || Object.hasOwn(event, "stream_id")) return JSON.stringify({ ...event, stream_id: this.streamId });
    const field = `"stream_id":${JSON.stringify(this.streamId)}`;
    return text === "{}" ? `{${field}}` : `${text.slice(0, -1)},${field}}`;
  }

  /** `data` numbered next (merged deltas leave gaps otherwise): a copy only when its number changes. */
  private renumbered(data: Json): Json {
    const sequence = data["sequence_number"];
    if (typeof sequence !== "number") return data;
    this.nextSequence ??= sequence;
    const next = this.nextSequence++;
    return next === sequence ? data : { ...data, sequence_number: next };
  }
}
