import http from "node:http";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayError } from "./openai-error.js";
import { SseReplyWriter } from "./sse-reply-writer.js";

const headers = { "x-ratelimit-remaining-tokens": "90", "x-request-id": "r1" };
let app: FastifyInstance | undefined;

/** A Fastify app whose one route hands its reply to `script` through a writer. */
async function serve(script: (writer: SseReplyWriter) => Promise<void> | void): Promise<FastifyInstance> {
  app = Fastify();
  app.get("/", async (_request, reply: FastifyReply) => {
    await script(new SseReplyWriter(reply, headers));
    return reply;
  });
  await app.ready();
  return app;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("SseReplyWriter", () => {
  it("opens with the SSE and request headers, sends events as frames and ends", async () => {
    const server = await serve(async (writer) => {
      writer.open();
      await writer.send([{ event: "response.created", data: { type: "response.created" } }, { data: { n: 1 } }]);
      await writer.forward("data: passed\n\n");
      await writer.send([{ data: "[DONE]" }]);
      writer.end();
    });
    const response = await server.inject("/");
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers });
    expect(response.body).toBe('event: response.created\ndata: {"type":"response.created"}\n\ndata: {"n":1}\n\ndata: passed\n\ndata: [DONE]\n\n');
  });

  it("reports a failure after the stream opened as the API's error events, then ends", async () => {
    const server = await serve(async (writer) => {
      writer.open();
      await writer.send([{ data: { n: 1 } }]);
      await writer.fail(new GatewayError(502, "the model broke", "provider_error"), [{ data: { error: { message: "the model broke" } } }]);
      // Nothing more goes out once ended.
      await writer.send([{ data: { n: 2 } }]);
    });
    const response = await server.inject("/");
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('data: {"n":1}\n\ndata: {"error":{"message":"the model broke"}}\n\n');
  });

  it("answers a failure before anything was sent with its status, headers and OpenAI error body", async () => {
    const error = new GatewayError(429, "Slow down.", "provider_rate_limited", null, "rate_limit_error", { "retry-after": "3" });
    const server = await serve((writer) => writer.fail(error, [{ data: "never sent" }]));
    const response = await server.inject("/");
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ ...headers, "retry-after": "3" });
    expect(response.json()).toEqual({ error: { message: "Slow down.", type: "rate_limit_error", param: null, code: "provider_rate_limited" } });
  });

  it("gives a whole answer (stream: false) with the request headers and the given content type", async () => {
    const server = await serve((writer) => {
      writer.answer(200, Buffer.from("plain"), "text/plain");
      expect(writer.sent).toBe(true);
      expect(writer.opened).toBe(false);
    });
    const response = await server.inject("/");
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ ...headers, "content-type": "text/plain" });
    expect(response.body).toBe("plain");
  });

  it("signals a client that goes away mid-stream", async () => {
    let aborted: Promise<void> = Promise.resolve();
    const server = await serve((writer) => {
      aborted = new Promise((resolve) => writer.gone.addEventListener("abort", () => resolve()));
      writer.open();
    });
    const address = await server.listen({ port: 0, host: "127.0.0.1" });
    const request = http.get(address, (response) => response.destroy());
    request.on("error", () => undefined);
    await aborted;
  });

  it("drops the connection when ended with nothing sent (the client has gone: nobody to answer)", async () => {
    const server = await serve((writer) => writer.end());
    await expect(server.inject("/")).rejects.toThrow();
  });
});
