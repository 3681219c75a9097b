/**
 * A minimal, very fast OpenAI-compatible upstream for the gateway benchmark: plain node:http, frames
 * prepared once, no framework. It answers POST .../chat/completions (JSON or SSE) and nothing it does
 * depends on which gateway is in front of it, so direct calls, Spark and Portkey all see the same server.
 *
 * - The number of content tokens is the request's max_tokens (or max_completion_tokens), default 16;
 *   every token is one `chat.completion.chunk` frame whose content is TOKEN_TEXT (the client counts them).
 * - A path prefix `/paced/<ms>/` spaces the tokens `<ms>` apart (concurrent-stream runs); without it the
 *   frames are written as fast as the socket takes them (throughput runs).
 * - A path prefix `/hold/<n>/` (after `/paced/<ms>/`, if any) holds each stream after its first frame
 *   until `n` streams are in flight at once (or HOLD_TIMEOUT_MS passed): proof that they really were.
 * - GET /stats reports requests, streams in flight, the most ever in flight at once and how long the
 *   held streams waited; GET /stats/reset clears them.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** Each token's text; unique enough that counting its occurrences in the byte stream counts tokens. */
export const TOKEN_TEXT = "tok_";
export const DEFAULT_TOKENS = 16;
/** A held stream goes on after this long even if fewer streams than asked for ever were in flight. */
export const HOLD_TIMEOUT_MS = 30_000;

export interface UpstreamStats {
  requests: number;
  streams: number;
  completedStreams: number;
  active: number;
  maxActive: number;
  /** From the first held stream to the moment all were in flight (or the timeout); null when none held. */
  holdReleasedAfterMs: number | null;
  /** Held streams that went on because the timeout passed, not because enough were in flight. */
  holdTimeouts: number;
}

export interface FastUpstream {
  url: string;
  close(): Promise<void>;
}

const CREATED = 1_700_000_000;
const head = (model: string) => `{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${CREATED},"model":${JSON.stringify(model)}`;
const frame = (json: string) => `data: ${json}\n\n`;

interface Frames {
  role: Buffer;
  token: Buffer;
  finish: Buffer;
  done: Buffer;
  usage(prompt: number, completion: number): Buffer;
  withUsageNull: boolean;
}

/** Frames for one (model, include_usage) pair, cached: a stream's frames are written, never rebuilt. */
function framesFor(cache: Map<string, Frames>, model: string, includeUsage: boolean): Frames {
  const cacheKey = `${includeUsage ? 1 : 0}${model}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const base = head(model);
  const tail = includeUsage ? ',"usage":null}' : "}";
  const choice = (delta: string, finish: string) => `,"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]`;
  const frames: Frames = {
    role: Buffer.from(frame(`${base}${choice('{"role":"assistant","content":""}', "null")}${tail}`)),
    token: Buffer.from(frame(`${base}${choice(`{"content":"${TOKEN_TEXT}"}`, "null")}${tail}`)),
    finish: Buffer.from(frame(`${base}${choice("{}", '"stop"')}${tail}`)),
    done: Buffer.from(frame("[DONE]")),
    usage: (prompt, completion) =>
      Buffer.from(frame(`${base},"choices":[],"usage":{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${prompt + completion}}}`)),
    withUsageNull: includeUsage,
  };
  if (cache.size < 64) cache.set(cacheKey, frames);
  return frames;
}

function completion(model: string, tokens: number, prompt: number): string {
  return JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: CREATED,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: TOKEN_TEXT.repeat(tokens), refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: prompt, completion_tokens: tokens, total_tokens: prompt + tokens },
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves when the socket takes more, or false when the client has gone. */
function drained(res: http.ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

export async function startFastUpstream(port = 0): Promise<FastUpstream> {
  const stats: UpstreamStats = { requests: 0, streams: 0, completedStreams: 0, active: 0, maxActive: 0, holdReleasedAfterMs: null, holdTimeouts: 0 };
  const cache = new Map<string, Frames>();
  const held = new Set<() => void>();
  let holdStartedAt: number | undefined;

  function release(): void {
    if (holdStartedAt !== undefined) stats.holdReleasedAfterMs = Math.round(performance.now() - holdStartedAt);
    holdStartedAt = undefined;
    for (const go of [...held]) go();
  }

  /** Resolves once `count` streams are in flight at once, or after HOLD_TIMEOUT_MS. */
  function hold(count: number): Promise<void> {
    holdStartedAt ??= performance.now();
    if (stats.active >= count) {
      release();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        stats.holdTimeouts += held.size;
        release();
      }, HOLD_TIMEOUT_MS);
      const go = () => {
        clearTimeout(timer);
        held.delete(go);
        resolve();
      };
      held.add(go);
    });
  }

  async function stream(res: http.ServerResponse, body: ChatBody, tokens: number, paceMs: number, holdFor: number): Promise<void> {
    const frames = framesFor(cache, typeof body.model === "string" ? body.model : "bench", body.stream_options?.include_usage === true);
    stats.streams++;
    stats.active++;
    stats.maxActive = Math.max(stats.maxActive, stats.active);
    try {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(frames.role);
      if (holdFor > 0) await hold(holdFor);
      for (let sent = 0; sent < tokens; sent++) {
        if (res.destroyed) return;
        if (paceMs > 0) await sleep(paceMs);
        if (!res.write(frames.token) && !(await drained(res))) return;
      }
      res.write(frames.finish);
      if (frames.withUsageNull) res.write(frames.usage(promptTokens(body), tokens));
      res.end(frames.done);
      stats.completedStreams++;
    } finally {
      stats.active--;
    }
  }

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      const url = req.url ?? "/";
      if (url === "/stats") return json(res, 200, stats);
      if (url === "/stats/reset") {
        release();
        Object.assign(stats, { requests: 0, streams: 0, completedStreams: 0, maxActive: stats.active, holdReleasedAfterMs: null, holdTimeouts: 0 });
        return json(res, 200, stats);
      }
      const route = /^(?:\/paced\/(\d+))?(?:\/hold\/(\d+))?(\/.*)$/.exec(url);
      const path = route?.[3] ?? url;
      const paceMs = Number(route?.[1] ?? 0);
      const holdFor = Number(route?.[2] ?? 0);
      if (path.endsWith("/models")) return json(res, 200, { object: "list", data: [{ id: "bench", object: "model", created: 0, owned_by: "bench" }] });
      if (req.method !== "POST" || !path.endsWith("/chat/completions")) return json(res, 404, { error: { message: `no route ${req.method} ${url}`, type: "invalid_request_error", param: null, code: null } });
      stats.requests++;
      let body: ChatBody;
      try {
        body = JSON.parse(Buffer.concat(parts).toString("utf8")) as ChatBody;
      } catch {
        return json(res, 400, { error: { message: "not JSON", type: "invalid_request_error", param: null, code: null } });
      }
      const tokens = Math.max(0, Math.floor(Number(body.max_tokens ?? body.max_completion_tokens ?? DEFAULT_TOKENS)) || 0);
      if (body.stream === true) return void stream(res, body, tokens, paceMs, holdFor);
      const text = completion(typeof body.model === "string" ? body.model : "bench", tokens, promptTokens(body));
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.maxRequestsPerSocket = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface ChatBody {
  model?: unknown;
  stream?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  stream_options?: { include_usage?: unknown };
  messages?: unknown;
}

function promptTokens(body: ChatBody): number {
  return Math.max(1, Math.ceil(JSON.stringify(body.messages ?? "").length / 4));
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
