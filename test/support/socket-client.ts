import WebSocket from "ws";

export type ServerEvent = Record<string, unknown> & { type: string };

/** Events that end a response (or refuse it) on the Responses WebSocket. */
export const ENDING = new Set(["response.completed", "response.incomplete", "response.failed", "error"]);

/** A raw Responses WebSocket client for tests: sends JSON events, records every event it gets. */
export class SocketClient {
  readonly events: ServerEvent[] = [];
  /** When each event arrived (performance.now()), for timings. */
  readonly arrivals = new WeakMap<ServerEvent, number>();
  private waiters: { test: (event: ServerEvent) => boolean; resolve: (event: ServerEvent) => void }[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const event = JSON.parse(String(data)) as ServerEvent;
      this.arrivals.set(event, performance.now());
      this.events.push(event);
      this.waiters = this.waiters.filter((waiter) => (waiter.test(event) ? (waiter.resolve(event), false) : true));
    });
    socket.on("close", (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  /** `protocols`: the subprotocols offered, as a browser offers them (e.g. a `spark.key.` entry). */
  static open(baseUrl: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<SocketClient> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/v1/responses`, protocols, { headers });
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new SocketClient(socket)));
      socket.once("unexpected-response", (_request, response) => reject(new Error(`handshake refused: ${response.statusCode}`)));
      socket.once("error", reject);
    });
  }

  send(event: Record<string, unknown> | string): void {
    this.socket.send(typeof event === "string" ? event : JSON.stringify(event));
  }

  /** The next event (from now on, or already received after `from`) that passes `test`. */
  next(test: (event: ServerEvent) => boolean, from = this.events.length, timeoutMs = 30_000): Promise<ServerEvent> {
    const seen = this.events.slice(from).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event in ${timeoutMs} ms; got ${this.events.map((event) => event.type).join(", ")}`)), timeoutMs);
      this.waiters.push({ test, resolve: (event) => (clearTimeout(timer), resolve(event)) });
    });
  }

  /** Sends a response.create and waits for the event that ends it; returns it and every event in between. */
  async create(body: Record<string, unknown>): Promise<{ end: ServerEvent; events: ServerEvent[] }> {
    const from = this.events.length;
    this.send({ type: "response.create", ...body });
    const lane = body["stream_id"];
    const end = await this.next((event) => ENDING.has(event.type) && event["stream_id"] === lane, from);
    return { end, events: this.events.slice(from, this.events.indexOf(end) + 1) };
  }

  /** Resolves with the close code and reason once the socket closed (by either side). */
  whenClosed(timeoutMs = 30_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the socket did not close in ${timeoutMs} ms`)), timeoutMs);
      this.socket.once("close", (code, reason) => (clearTimeout(timer), resolve({ code, reason: reason.toString() })));
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.close();
    });
  }
}

/** The response object of an ending event. */
export function responseOf(event: ServerEvent): { id: string; status: string; usage: { input_tokens: number; output_tokens: number; input_tokens_details: { cached_tokens: number } }; output: unknown[]; incomplete_details: { reason: string } | null } {
  return event["response"] as ReturnType<typeof responseOf>;
}
