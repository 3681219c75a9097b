import WebSocket from "ws";
import { EventQueue, ProviderError } from "../../../core/index.js";

export type SocketEvent = Record<string, unknown> & { type: string };

/** Events that end a response (or refuse it) on the Responses WebSocket. */
const ENDING = new Set(["response.completed", "response.incomplete", "response.failed", "error"]);

/** The server's answers to a `response.steer`: taken into the running response, or handed back. */
const STEER_ANSWERS = new Set(["response.steer.accepted", "response.steer.pending", "response.steer.failed"]);

/** The WebSocket mode's beta header, as the Codex CLI sends it. */
export const RESPONSES_WEBSOCKET_BETA = "responses_websockets=2026-02-06";

/** A response ended by a steer: its successor follows on the same socket. */
function steeredAway(event: SocketEvent): boolean {
  const response = event["response"] as { incomplete_details?: { reason?: string } | null } | undefined;
  return event.type === "response.incomplete" && response?.incomplete_details?.reason === "steered";
}

export interface ResponsesSocketOptions {
  /** The API's base URL (http(s)://host/v1); the socket is ws(s)://host/v1/responses. */
  baseUrl: string;
  apiKey: string | undefined;
  /** How long the handshake may take before the client falls back to HTTP. */
  handshakeTimeoutMs?: number;
  /** How long a cancelled response may take to end before the socket is dropped. */
  drainTimeoutMs?: number;
}

/**
 * One client's Responses WebSocket (OpenAI's WebSocket mode): opened on first use, one response at a time,
 * reopened after a drop. A server that refuses the upgrade (or cannot be reached by it) marks the socket
 * unsupported, and the client uses HTTP/SSE from then on. `generation` counts sockets: a response chain
 * (`previous_response_id`) lives on the socket that made it, so a new socket starts from the full input.
 */
export class ResponsesSocket {
  unsupported = false;
  generation = 0;
  private socket: WebSocket | undefined;
  private opening: Promise<WebSocket | undefined> | undefined;
  private current: EventQueue<SocketEvent> | undefined;
  /** Resolves when the socket has no response running: the next one waits for a cancelled one to end. */
  private idle: Promise<void> = Promise.resolve();
  private ended: () => void = () => undefined;
  /** Whether a steer was sent into the running response (its `steered` end is then not the end). */
  private steered = false;
  /** Settles the steer sent last with the server's answer (accepted, or pending/failed: not taken). */
  private steerAnswer: ((accepted: boolean) => void) | undefined;

  constructor(private readonly options: ResponsesSocketOptions) {}

  /** The open socket, opening one if needed; undefined when the server does not speak WebSocket mode. */
  open(): Promise<WebSocket | undefined> {
    if (this.unsupported) return Promise.resolve(undefined);
    if (this.socket?.readyState === WebSocket.OPEN) return Promise.resolve(this.socket);
    this.opening ??= this.connect().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private connect(): Promise<WebSocket | undefined> {
    const url = `${this.options.baseUrl.replace(/\/$/, "").replace(/^http/, "ws")}/responses`;
    // x-spark-events: a Spark gateway then sends each response's rate-limit headers as an event (others ignore it).
    const headers: Record<string, string> = { "openai-beta": RESPONSES_WEBSOCKET_BETA, "x-spark-events": "rate_limits", ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) };
    const socket = new WebSocket(url, { headers, handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000, maxPayload: 64 * 1024 * 1024 });
    return new Promise((resolve) => {
      const refused = () => {
        this.unsupported = true;
        socket.terminate();
        resolve(undefined);
      };
      socket.once("unexpected-response", refused);
      socket.once("error", refused);
      socket.once("open", () => {
        socket.removeListener("error", refused);
        socket.on("error", () => socket.terminate());
        socket.on("message", (data) => this.receive(String(data)));
        socket.once("close", () => this.dropped(socket));
        this.socket = socket;
        this.generation++;
        resolve(socket);
      });
    });
  }

  private receive(text: string): void {
    let event: SocketEvent;
    try {
      event = JSON.parse(text) as SocketEvent;
    } catch {
      return;
    }
    if (STEER_ANSWERS.has(event.type)) return this.answerSteer(event.type === "response.steer.accepted");
    const queue = this.current;
    if (!queue) return;
    queue.push(event);
    if (ENDING.has(event.type) && !(this.steered && steeredAway(event))) this.finish(queue);
    else if (steeredAway(event)) this.steered = false;
  }

  /** The server's answer to a steer; one that is not taken leaves the running response to end as it would. */
  private answerSteer(accepted: boolean): void {
    if (!accepted) this.steered = false;
    const answer = this.steerAnswer;
    this.steerAnswer = undefined;
    answer?.(accepted);
  }

  private dropped(socket: WebSocket): void {
    if (this.socket === socket) this.socket = undefined;
    this.answerSteer(false);
    const queue = this.current;
    if (!queue) return;
    queue.push({ type: "socket.closed" });
    this.finish(queue);
  }

  private finish(queue: EventQueue<SocketEvent>): void {
    if (this.current !== queue) return;
    this.current = undefined;
    queue.end();
    this.ended();
  }

  /** Whether a response is running on the socket now (a steer can reach it). */
  get busy(): boolean {
    return this.current !== undefined && this.socket?.readyState === WebSocket.OPEN;
  }

  /**
   * Sends one `response.create` and yields its events up to the one that ends it (through a steer's
   * successor, which continues the same turn). An abort sends `response.cancel` and waits briefly for
   * the end, so the next response finds the socket free; a socket that closes mid-response throws.
   */
  async *exchange(create: Record<string, unknown>, signal: AbortSignal | undefined): AsyncIterable<SocketEvent> {
    await this.idle;
    const socket = await this.open();
    if (!socket) throw new ProviderError("provider_unreachable", `${this.options.baseUrl} does not accept the Responses WebSocket.`, { retryable: true });
    const queue = new EventQueue<SocketEvent>();
    this.current = queue;
    this.idle = new Promise((resolve) => (this.ended = resolve));
    // A steer of the last response that was never answered was not taken (that response has ended).
    this.answerSteer(false);
    const onAbort = () => this.cancel(socket, queue);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      socket.send(JSON.stringify({ type: "response.create", ...create }));
      for await (const event of queue) {
        if (signal?.aborted) continue;
        if (event.type === "socket.closed") {
          throw new ProviderError("provider_unreachable", `The Responses WebSocket to ${this.options.baseUrl} closed mid-response. Try again; the next call opens a new one.`, { retryable: true });
        }
        yield event;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (this.current === queue) this.cancel(socket, queue);
    }
  }

  /** Stops the running response; the socket is dropped if it does not end within the drain timeout. */
  private cancel(socket: WebSocket, queue: EventQueue<SocketEvent>): void {
    if (this.current !== queue || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: "response.cancel" }));
    const timer = setTimeout(() => {
      if (this.current === queue) socket.terminate();
    }, this.options.drainTimeoutMs ?? 5_000);
    timer.unref();
  }

  /**
   * Queues input into the running response (`response.steer`): resolves with whether the server took it
   * (`response.steer.accepted`), false at once when no response runs or a steer still waits for its answer.
   */
  steer(input: unknown[]): Promise<boolean> {
    if (!this.busy || !this.socket || this.steerAnswer) return Promise.resolve(false);
    this.steered = true;
    const answered = new Promise<boolean>((resolve) => (this.steerAnswer = resolve));
    this.socket.send(JSON.stringify({ type: "response.steer", input }));
    return answered;
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}
