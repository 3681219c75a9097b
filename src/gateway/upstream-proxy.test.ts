import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallMeter } from "../speed/index.js";
import type { EventSink } from "./event-sink.js";
import type { RemoteTarget } from "./model-router.js";
import { GatewayError } from "./openai-error.js";
import type { RunContext } from "./serve-events.js";
import { createUpstreamAgents, cutEvent, proxyToUpstream, streamCutAt } from "./upstream-proxy.js";

let server: Server;
let url: string;
let requests = 0;
const agents = createUpstreamAgents();

beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    req.resume();
    // 17 MiB of JSON: over the 16 MiB the gateway reads of a non-streaming answer.
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ text: "x".repeat(17 * 1024 * 1024) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/v1`;
});

afterAll(async () => {
  agents.http.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The proxy only reads whether the client is gone here: it never gets as far as answering. */
function contextWith(signal: AbortSignal): RunContext {
  const sink = { gone: signal } as EventSink;
  return { sink, stream: false, meter: new CallMeter(), signal, stopGeneration: () => undefined, maxTokens: 10, outputAllowance: 10, limitsTokens: false, publicMessage: (message) => message };
}

const request = () => ({ target: { baseUrl: url, model: "m" } as RemoteTarget, apiKey: undefined, path: "/chat/completions", body: {}, stripUsage: false, promptEstimate: 5, timeoutMs: 10_000 });

describe("proxyToUpstream", () => {
  it("does not call the upstream for a client that is already gone", async () => {
    const controller = new AbortController();
    controller.abort();
    const before = requests;
    const outcome = await proxyToUpstream(agents, contextWith(controller.signal), request());
    expect(outcome).toMatchObject({ status: 499, reason: "abort", disconnected: true });
    expect(outcome.usage.inputTokens).toBe(5);
    expect(requests).toBe(before);
  });

  it("refuses an answer too large to pass on with a 502 instead of cutting it short", async () => {
    const error = await proxyToUpstream(agents, contextWith(new AbortController().signal), request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 502, code: "upstream_answer_too_large" });
    expect((error as Error).message).toContain("too large");
  });
});

/**
 * A raw upstream that answers every request with keep-alive, except that it resets the connection when a
 * request for which `resetWhen` says so (the race of an upstream closing an idle connection).
 */
async function resettingUpstream(resetWhen: (socket: Socket, requestOnSocket: number) => boolean): Promise<{ server: TcpServer; url: string; answered: () => number }> {
  let answered = 0;
  const server = createTcpServer((socket) => {
    let onSocket = 0;
    let buffered = "";
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      while (buffered.includes("\r\n\r\n")) {
        const [head = "", ...rest] = buffered.split("\r\n\r\n");
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        const body = rest.join("\r\n\r\n");
        if (body.length < length) return;
        buffered = body.slice(length);
        onSocket += 1;
        if (resetWhen(socket, onSocket)) return void socket.resetAndDestroy();
        answered += 1;
        const answer = JSON.stringify({ ok: answered });
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${answer.length}\r\nconnection: keep-alive\r\n\r\n${answer}`);
      }
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/v1`, answered: () => answered };
}

describe("a connection the upstream resets", () => {
  /** A context whose sink records the one non-streaming answer. */
  function answeringContext(): { context: RunContext; bodies: string[] } {
    const bodies: string[] = [];
    const signal = new AbortController().signal;
    const sink = { gone: signal, answer: (_status: number, body: Buffer) => void bodies.push(body.toString("utf8")) } as unknown as EventSink;
    return { context: { ...contextWith(signal), sink }, bodies };
  }

  it("sends once more on a fresh connection when a reused keep-alive connection is reset before any answer", async () => {
    const upstream = await resettingUpstream((_socket, onSocket) => onSocket === 2);
    const ownAgents = createUpstreamAgents();
    try {
      const target = { ...request(), target: { baseUrl: upstream.url, model: "m" } as RemoteTarget };
      const first = answeringContext();
      await proxyToUpstream(ownAgents, first.context, target);
      const second = answeringContext();
      const outcome = await proxyToUpstream(ownAgents, second.context, target);
      expect(outcome.status).toBe(200);
      expect(second.bodies).toEqual([JSON.stringify({ ok: 2 })]);
      expect(upstream.answered()).toBe(2);
    } finally {
      ownAgents.http.destroy();
      upstream.server.close();
    }
  });

  it("does not resend when a fresh connection is reset: the request may have reached the upstream", async () => {
    const upstream = await resettingUpstream(() => true);
    const ownAgents = createUpstreamAgents();
    try {
      const target = { ...request(), target: { baseUrl: upstream.url, model: "m" } as RemoteTarget };
      const error = await proxyToUpstream(ownAgents, answeringContext().context, target).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 502, code: "provider_unreachable" });
      expect((error as Error).message).toContain("ECONNRESET");
    } finally {
      ownAgents.http.destroy();
      upstream.server.close();
    }
  });
});

describe("cutting a stream past its reservation", () => {
  it("leaves an honest upstream room and ends with the error shape of the route's API", () => {
    expect(streamCutAt(10)).toBe(26);
    expect(streamCutAt(4000)).toBe(5000);
    expect(cutEvent("/responses", 10)).toMatchObject({ event: "error", data: { type: "error", code: "reservation_exceeded" } });
    const chat = cutEvent("/chat/completions", 10);
    expect(chat).toMatchObject({ data: { error: { code: "reservation_exceeded", type: "server_error" } } });
    expect(JSON.stringify(chat.data)).toContain("10 output tokens reserved");
  });
});
