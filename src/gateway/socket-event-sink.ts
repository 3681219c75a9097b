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

  constructor(private readonly socket: WebSocket, private readonly streamId: string | undefined) {
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
    for (const event of events) await this.message(event.data);
  }

  async forward(sse: string | Buffer): Promise<void> {
    for (const data of sseData(sse.toString())) await this.message(data);
  }

  end(): void {
    this.state = "ended";
    this.detach();
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
    return this.message(event);
  }

  private async message(data: unknown): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const text = JSON.stringify(this.streamId !== undefined && typeof data === "object" && data !== null ? { ...data, stream_id: this.streamId } : data);
    if (this.socket.bufferedAmount < HIGH_WATER_BYTES) return this.socket.send(text);
    await new Promise<void>((resolve) => this.socket.send(text, () => resolve()));
  }
}
