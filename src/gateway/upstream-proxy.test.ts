import { createServer, type Server } from "node:http";
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
