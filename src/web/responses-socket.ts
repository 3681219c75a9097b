/**
 * The page's Responses WebSocket to its own gateway (`/v1/responses`): one response at a time, steering,
 * reopened after a drop with a bounded backoff. A page cannot set headers on a WebSocket, so the key
 * travels as OpenAI's browser Realtime clients send theirs: a `spark.key.<base64url>` entry in
 * Sec-WebSocket-Protocol beside `spark.responses.v1`, the only name the gateway echoes. Never in the URL.
 */
import { EventQueue } from "../core/event-queue.js";

export type SocketEvent = Record<string, unknown> & { type: string };

/** The protocol the gateway echoes (src/gateway/socket-handshake.ts; a test keeps the two equal). */
export const SPARK_SOCKET_PROTOCOL = "spark.responses.v1";
export const SOCKET_KEY_PREFIX = "spark.key.";

/** A response the server ended because of a steer this page sent: its successor follows on the socket. */
export const STEERED = "spark.steered";
/** The socket closed while a response ran. */
export const SOCKET_CLOSED = "spark.socket_closed";

const FINAL = new Set(["response.failed", "error"]);
const ENDS = new Set(["response.completed", "response.incomplete"]);
const STEER_ANSWERS = new Set(["response.steer.accepted", "response.steer.pending", "response.steer.failed"]);

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
/** Background reopenings after a drop; past them the next turn tries again (and HTTP serves meanwhile). */
const MAX_BACKGROUND_TRIES = 6;

/** The key's UTF-8 bytes in base64url without padding: only token characters, as the header requires. */
export function keyProtocol(key: string): string {
  const binary = Array.from(new TextEncoder().encode(key), (byte) => String.fromCharCode(byte)).join("");
  return SOCKET_KEY_PREFIX + btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The response running on the socket and the steer sent into it, if any. */
interface Exchange {
  socket: WebSocket;
  queue: EventQueue<SocketEvent>;
  steer: "none" | "sent" | "accepted";
  /** The server's answer to the steer sent, awaited by `steer()`. */
  answer?: ((accepted: boolean) => void) | undefined;
  /** An end that came while the steer's answer was still on its way: accepted makes it a steered end. */
  held?: SocketEvent | undefined;
  /** The page stopped the response: a successor a steer started is stopped too. */
  cancelled: boolean;
}

export interface ResponsesSocketOptions {
  /** ws(s)://host/v1/responses */
  url: string;
  key: () => string | undefined;
  handshakeTimeoutMs?: number;
  drainTimeoutMs?: number;
}

export class ResponsesSocket {
  /** Counts sockets opened: a response chain lives on the socket that made it. */
  generation = 0;
  private socket: WebSocket | undefined;
  private socketKey: string | undefined;
  private opening: Promise<WebSocket | undefined> | undefined;
  private failures = 0;
  private retryAt = 0;
  private current: Exchange | undefined;
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly options: ResponsesSocketOptions) {}

  /** The open socket; undefined while the gateway refuses it or a retry waits (the caller uses HTTP). */
  open(): Promise<WebSocket | undefined> {
    const key = this.options.key();
    if (this.socket?.readyState === WebSocket.OPEN && this.socketKey === key) return Promise.resolve(this.socket);
    // A new key (the user entered one): the socket opened with the old one is closed, the backoff forgotten.
    if (this.socketKey !== key) {
      this.close();
      this.failures = 0;
      this.retryAt = 0;
    }
    if (Date.now() < this.retryAt) return Promise.resolve(undefined);
    this.opening ??= this.connect(key).finally(() => (this.opening = undefined));
    return this.opening;
  }

  private connect(key: string | undefined): Promise<WebSocket | undefined> {
    const socket = new WebSocket(this.options.url, [SPARK_SOCKET_PROTOCOL, ...(key ? [keyProtocol(key)] : [])]);
    return new Promise((resolve) => {
      const timer = setTimeout(() => socket.close(), this.options.handshakeTimeoutMs ?? 5_000);
      const failed = () => {
        clearTimeout(timer);
        this.failures++;
        this.retryAt = Date.now() + Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1));
        resolve(undefined);
      };
      socket.addEventListener("close", failed, { once: true });
      socket.addEventListener("open", () => {
        clearTimeout(timer);
        socket.removeEventListener("close", failed);
        this.failures = 0;
        this.retryAt = 0;
        this.socket = socket;
        this.socketKey = key;
        this.generation++;
        socket.addEventListener("message", (message) => this.receive(message.data));
        socket.addEventListener("close", () => this.dropped(socket), { once: true });
        resolve(socket);
      }, { once: true });
    });
  }

  /** A drop: the running response ends, and the socket is reopened in the background, backing off. */
  private dropped(socket: WebSocket): void {
    const exchange = this.current;
    if (exchange?.socket === socket) {
      this.answerSteer(exchange, false);
      exchange.queue.push({ type: SOCKET_CLOSED });
      this.finish(exchange);
    }
    // Closed on purpose (a new key): nothing to reopen here.
    if (this.socket !== socket) return;
    this.socket = undefined;
    void this.reopen(1);
  }

  private async reopen(attempt: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, this.retryAt - Date.now()) + FIRST_RETRY_MS));
    if (this.socket || (await this.open()) || attempt >= MAX_BACKGROUND_TRIES) return;
    return this.reopen(attempt + 1);
  }

  private receive(data: unknown): void {
    let event: SocketEvent;
    try {
      event = JSON.parse(String(data)) as SocketEvent;
    } catch {
      return;
    }
    const exchange = this.current;
    if (!exchange || typeof event.type !== "string") return;
    if (STEER_ANSWERS.has(event.type)) return this.answerSteer(exchange, event.type === "response.steer.accepted");
    if (ENDS.has(event.type) && exchange.steer === "sent") {
      exchange.held = event;
      return;
    }
    if (ENDS.has(event.type) && exchange.steer === "accepted") return this.steeredEnd(exchange, event);
    exchange.queue.push(event);
    if (ENDS.has(event.type) || FINAL.has(event.type)) this.finish(exchange);
  }

  /**
   * The server's answer to a steer. Accepted: the response's end (come already, or to come) is a steered
   * one, and its successor follows. Not taken: an end held for the answer is the response's own.
   */
  private answerSteer(exchange: Exchange, accepted: boolean): void {
    if (exchange.steer !== "sent") return;
    exchange.steer = accepted ? "accepted" : "none";
    exchange.answer?.(accepted);
    exchange.answer = undefined;
    const held = exchange.held;
    exchange.held = undefined;
    if (held && accepted) this.steeredEnd(exchange, held);
    else if (held) {
      exchange.queue.push(held);
      this.finish(exchange);
    }
  }

  private steeredEnd(exchange: Exchange, end: SocketEvent): void {
    exchange.steer = "none";
    exchange.queue.push({ type: STEERED, response: end["response"] });
    if (exchange.cancelled && exchange.socket.readyState === WebSocket.OPEN) exchange.socket.send(JSON.stringify({ type: "response.cancel" }));
  }

  private finish(exchange: Exchange): void {
    if (this.current !== exchange) return;
    this.current = undefined;
    exchange.queue.end();
  }

  /**
   * Sends one `response.create` and yields its events up to its end, through the successors of steers.
   * An abort sends `response.cancel`; the events until the end still come (the caller ignores them), so
   * the next response finds the socket free; a response that does not end in time drops the socket.
   */
  async *exchange(create: Record<string, unknown>, signal: AbortSignal): AsyncIterable<SocketEvent> {
    await this.idle;
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return yield { type: SOCKET_CLOSED };
    const exchange: Exchange = { socket, queue: new EventQueue<SocketEvent>(), steer: "none", cancelled: false };
    this.current = exchange;
    let ended: () => void = () => undefined;
    this.idle = new Promise((resolve) => (ended = resolve));
    const cancel = () => this.cancel(socket, exchange);
    signal.addEventListener("abort", cancel, { once: true });
    try {
      socket.send(JSON.stringify({ type: "response.create", ...create }));
      yield* exchange.queue;
    } finally {
      signal.removeEventListener("abort", cancel);
      if (this.current === exchange) cancel();
      ended();
    }
  }

  private cancel(socket: WebSocket, exchange: Exchange): void {
    if (this.current !== exchange || socket.readyState !== WebSocket.OPEN) return;
    exchange.cancelled = true;
    socket.send(JSON.stringify({ type: "response.cancel" }));
    setTimeout(() => {
      if (this.current === exchange) socket.close();
    }, this.options.drainTimeoutMs ?? 5_000);
  }

  /** Queues input into the running response: resolves with whether the server took it. */
  steer(text: string): Promise<boolean> {
    const exchange = this.current;
    if (!exchange || exchange.steer !== "none" || exchange.queue.ended || this.socket?.readyState !== WebSocket.OPEN) return Promise.resolve(false);
    exchange.steer = "sent";
    const answered = new Promise<boolean>((resolve) => (exchange.answer = resolve));
    this.socket.send(JSON.stringify({ type: "response.steer", input: text }));
    return answered;
  }

  close(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
  }
}
