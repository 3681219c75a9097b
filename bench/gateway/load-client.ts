/**
 * The benchmark's client: node:http with keep-alive agents (the cheapest client Node has, so the
 * client's own cost stays small and equal for every target). It times one request, and counts the
 * tokens of a stream by counting TOKEN_TEXT in the bytes (across chunk boundaries) instead of parsing
 * every frame, so counting does not slow the stream it measures.
 */
import http from "node:http";
import { TOKEN_TEXT } from "./fast-upstream.js";

/** Where one kind of request goes through one target: URL, headers and the model name it uses. */
export interface Route {
  url: string;
  headers: Record<string, string>;
  model: string;
}

export interface Target {
  id: string;
  label: string;
  /** Tokens written as fast as the socket takes them. */
  fast: Route;
  /** Tokens paced PACE_MS apart (concurrent streams). */
  paced: Route;
}

export interface Timing {
  status: number;
  /** performance.now() at the request, its first token, and its end. */
  startedAt: number;
  firstTokenAt: number | undefined;
  endedAt: number;
  tokens: number;
  /** The stream ended with `data: [DONE]`. */
  done: boolean;
  error: string | undefined;
}

const TOKEN = Buffer.from(TOKEN_TEXT);
const DONE = "data: [DONE]";

/** Counts TOKEN_TEXT in a byte stream fed chunk by chunk, including occurrences split across chunks. */
export class TokenCounter {
  count = 0;
  private tail = Buffer.alloc(0);

  push(chunk: Buffer): void {
    for (let at = chunk.indexOf(TOKEN); at !== -1; at = chunk.indexOf(TOKEN, at + TOKEN.length)) this.count++;
    // An occurrence that starts in the previous chunk's last bytes and ends in this one.
    for (let split = 1; split < TOKEN.length; split++) {
      if (this.tail.length >= split && chunk.length >= TOKEN.length - split) {
        if (this.tail.subarray(this.tail.length - split).equals(TOKEN.subarray(0, split)) && chunk.subarray(0, TOKEN.length - split).equals(TOKEN.subarray(split))) this.count++;
      }
    }
    this.tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (TOKEN.length - 1))));
  }
}

export function chatBody(model: string, maxTokens: number, stream: boolean): Buffer {
  return Buffer.from(JSON.stringify({ model, messages: [{ role: "user", content: "Write the next line of code." }], max_tokens: maxTokens, stream }));
}

/**
 * POSTs a chat completion and reads the whole answer. `onHeaders` and `onEnd` let a caller count the
 * streams open at once; `signal` aborts (a stream past its deadline).
 */
export function timeRequest(
  agent: http.Agent,
  route: Route,
  body: Buffer,
  hooks: { onHeaders?: () => void; onEnd?: () => void; signal?: AbortSignal } = {},
): Promise<Timing> {
  const url = new URL(`${route.url}/chat/completions`);
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const counter = new TokenCounter();
    let firstTokenAt: number | undefined;
    let status = 0;
    let last = "";
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      resolve({ status, startedAt, firstTokenAt, endedAt: performance.now(), tokens: counter.count, done: last.includes(DONE), error });
    };
    const request = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.length, ...route.headers } },
      (response) => {
        status = response.statusCode ?? 0;
        hooks.onHeaders?.();
        response.on("data", (chunk: Buffer) => {
          counter.push(chunk);
          if (firstTokenAt === undefined && counter.count > 0) firstTokenAt = performance.now();
          last = (last + chunk.toString("latin1", Math.max(0, chunk.length - 32))).slice(-32);
        });
        response.on("end", () => {
          hooks.onEnd?.();
          finish();
        });
        response.on("error", (error) => {
          hooks.onEnd?.();
          finish(error.message);
        });
        response.on("aborted", () => finish("aborted"));
      },
    );
    request.on("error", (error) => finish(error.message));
    hooks.signal?.addEventListener("abort", () => request.destroy(new Error("deadline")), { once: true });
    request.end(body);
  });
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  return (await response.json()) as T;
}
