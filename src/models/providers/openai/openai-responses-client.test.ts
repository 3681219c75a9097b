import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { Message, StreamEvent } from "../../../core/index.js";
import { startScriptedServer, type ScriptedServer } from "../../../../test/support/scripted-openai-server.js";
import { OpenAIResponsesClient } from "./openai-responses-client.js";
import { ResponsesSocket } from "./responses-socket.js";

type Json = Record<string, unknown>;

/** A Responses WebSocket double: records each client event and answers `response.create` with `answer`. */
async function socketServer(answer: (create: Json, socket: WebSocket, index: number) => Json[] | undefined) {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const received: Json[] = [];
  let connections = 0;
  let creates = 0;
  server.on("connection", (socket) => {
    connections++;
    socket.on("message", (data) => {
      const event = JSON.parse(String(data)) as Json;
      received.push(event);
      if (event["type"] !== "response.create") return;
      for (const out of answer(event, socket, creates++) ?? []) socket.send(JSON.stringify(out));
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return { url, received, connections: () => connections, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function completed(id: string, text: string): Json[] {
  return [
    { type: "response.created", response: { id } },
    { type: "response.output_text.delta", delta: text },
    { type: "response.completed", response: { id, usage: { input_tokens: 10, output_tokens: 1, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 11 } } },
  ];
}

function client(url: string, socket = true): OpenAIResponsesClient {
  const openai = new OpenAI({ apiKey: "k", baseURL: url, maxRetries: 0 });
  return new OpenAIResponsesClient(openai, { baseUrl: url, model: "m", provider: "custom" }, "m", socket ? new ResponsesSocket({ baseUrl: url, apiKey: "k" }) : undefined);
}

async function drain(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

const text = (events: StreamEvent[]) => events.flatMap((event) => (event.type === "text-delta" ? [event.text] : [])).join("");
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const first: Message[] = [{ role: "system", content: "sys" }, { role: "user", content: "hi" }];
const second: Message[] = [...first, { role: "assistant", content: "A" }, { role: "user", content: "more" }];

describe("OpenAIResponsesClient over the Responses WebSocket", () => {
  it("sends the full input first, then only the new items with previous_response_id, on one socket", async () => {
    const server = await socketServer((_create, _socket, index) => completed(`resp_${index}`, index === 0 ? "A" : "B"));
    closers.push(server.close);
    const model = client(server.url);
    expect(text(await drain(model.stream({ messages: first })))).toBe("A");
    expect(text(await drain(model.stream({ messages: second })))).toBe("B");
    await model.close();
    const creates = server.received.filter((event) => event["type"] === "response.create");
    expect(creates[0]).toMatchObject({ input: [{ role: "system", content: "sys" }, { role: "user", content: "hi" }] });
    expect(creates[0]?.["previous_response_id"]).toBeUndefined();
    expect(creates[1]).toMatchObject({ previous_response_id: "resp_0", input: [{ role: "user", content: "more" }] });
    expect(server.connections()).toBe(1);
  });

  it("resends the full input when the server lost the chain, and after the socket dropped", async () => {
    const server = await socketServer((create, socket, index) => {
      if (index === 1) return [{ type: "error", status: 400, error: { code: "previous_response_not_found", message: "gone" } }];
      if (index === 2) {
        expect(create["previous_response_id"]).toBeUndefined();
        // Answer, then drop the socket: the next call must open a new one and send everything.
        setTimeout(() => socket.terminate(), 50);
      }
      return completed(`resp_${index}`, index === 0 ? "A" : "x");
    });
    closers.push(server.close);
    const model = client(server.url);
    await drain(model.stream({ messages: first }));
    expect(text(await drain(model.stream({ messages: second })))).toBe("x");
    await new Promise((resolve) => setTimeout(resolve, 150));
    const third: Message[] = [...second, { role: "assistant", content: "x" }, { role: "user", content: "again" }];
    expect(text(await drain(model.stream({ messages: third })))).toBe("x");
    await model.close();
    const creates = server.received.filter((event) => event["type"] === "response.create");
    expect(creates.map((create) => (create["input"] as unknown[]).length)).toEqual([2, 1, 4, 6]);
    expect(creates[3]?.["previous_response_id"]).toBeUndefined();
    expect(server.connections()).toBe(2);
  });

  it("falls back to HTTP/SSE when the server refuses the upgrade", async () => {
    const scripted: ScriptedServer = await startScriptedServer([{ kind: "text", chunks: ["over ", "http"] }]);
    closers.push(scripted.close);
    const model = client(scripted.url);
    expect(text(await drain(model.stream({ messages: first })))).toBe("over http");
    // The refused upgrade, then the call over HTTP.
    expect(scripted.requests.map((request) => `${request.method} ${request.path}`)).toEqual(["GET /v1/responses", "POST /v1/responses"]);
  });

  it("an abort cancels the response on the socket, and the next call finds it free", async () => {
    const server = await socketServer((_create, socket, index) => {
      if (index > 0) return completed("resp_next", "after");
      socket.send(JSON.stringify({ type: "response.created", response: { id: "resp_long" } }));
      socket.send(JSON.stringify({ type: "response.output_text.delta", delta: "partial" }));
      socket.once("message", () => socket.send(JSON.stringify({ type: "response.incomplete", response: { id: "resp_long", incomplete_details: { reason: "interrupted" } } })));
      return undefined;
    });
    closers.push(server.close);
    const model = client(server.url);
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    for await (const event of model.stream({ messages: first }, { signal: controller.signal })) {
      events.push(event);
      if (event.type === "text-delta") controller.abort();
    }
    expect(events.at(-1)).toEqual({ type: "finish", reason: "abort" });
    expect(server.received.map((event) => event["type"])).toContain("response.cancel");
    expect(text(await drain(model.stream({ messages: first })))).toBe("after");
    await model.close();
  });
});
