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

  it("a steer splits the stream: the answer so far, `steered` with the input, the successor; the next call continues the successor", async () => {
    const usage = { input_tokens: 10, output_tokens: 1, input_tokens_details: { cached_tokens: 4 }, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 11 };
    const server = await socketServer((_create, socket, index) => {
      if (index > 0) return completed("resp_next", "C");
      socket.send(JSON.stringify({ type: "response.created", response: { id: "resp_a" } }));
      socket.send(JSON.stringify({ type: "response.output_text.delta", delta: "Once" }));
      socket.once("message", () => {
        for (const out of [
          { type: "response.steer.accepted", response_id: "resp_a" },
          { type: "response.incomplete", response: { id: "resp_a", incomplete_details: { reason: "steered" }, usage } },
          ...completed("resp_b", "Hi").map((event) => (event["type"] === "response.completed" ? { ...event, response: { id: "resp_b", usage } } : event)),
        ])
          socket.send(JSON.stringify(out));
      });
      return undefined;
    });
    closers.push(server.close);
    const model = client(server.url);
    const redirect: Message[] = [{ role: "user", content: "say hi" }];
    const events: StreamEvent[] = [];
    let accepted: Promise<boolean> | undefined;
    for await (const event of model.stream({ messages: first })) {
      events.push(event);
      if (event.type === "text-delta" && !accepted) accepted = model.steer(redirect);
    }
    expect(await accepted).toBe(true);
    expect(events.filter((event) => event.type === "text-delta" || event.type === "steered")).toEqual([
      { type: "text-delta", text: "Once" },
      { type: "steered", input: redirect },
      { type: "text-delta", text: "Hi" },
    ]);
    // Both responses' usage: the steered one and its successor.
    expect(events.find((event) => event.type === "usage")).toMatchObject({ usage: { inputTokens: 20, cachedInputTokens: 8, outputTokens: 2 } });
    const next: Message[] = [...first, { role: "assistant", content: "Once" }, ...redirect, { role: "assistant", content: "Hi" }, { role: "user", content: "more" }];
    expect(text(await drain(model.stream({ messages: next })))).toBe("C");
    await model.close();
    const creates = server.received.filter((event) => event["type"] === "response.create");
    expect(creates[1]).toMatchObject({ previous_response_id: "resp_b", input: [{ role: "user", content: "more" }] });
    expect(server.received.find((event) => event["type"] === "response.steer")).toEqual({ type: "response.steer", input: [{ role: "user", content: "say hi" }] });
  });

  it("a steer resolves false when nothing runs, when the server hands it back, and once the model called a tool", async () => {
    const server = await socketServer((_create, socket, index) => {
      if (index === 1) return [{ type: "response.created", response: { id: "resp_1" } }, { type: "response.output_item.done", item: { type: "function_call", call_id: "c1", name: "read_file", arguments: "{}" } }, { type: "response.completed", response: { id: "resp_1" } }];
      socket.send(JSON.stringify({ type: "response.created", response: { id: "resp_0" } }));
      socket.send(JSON.stringify({ type: "response.output_text.delta", delta: "x" }));
      socket.once("message", () => {
        socket.send(JSON.stringify({ type: "response.steer.failed", input: [], error: { code: "no_active_response" } }));
        socket.send(JSON.stringify({ type: "response.completed", response: { id: "resp_0" } }));
      });
      return undefined;
    });
    closers.push(server.close);
    const model = client(server.url);
    expect(await model.steer([{ role: "user", content: "idle" }])).toBe(false);
    const answers: Promise<boolean>[] = [];
    for (const messages of [first, second]) {
      for await (const event of model.stream({ messages })) {
        if ((event.type === "text-delta" || event.type === "tool-call") && answers.length < (messages === first ? 1 : 2)) answers.push(model.steer([{ role: "user", content: "redirect" }]));
      }
    }
    expect(await Promise.all(answers)).toEqual([false, false]);
    await model.close();
    // Only the first was sent: after a tool call the client does not try.
    expect(server.received.filter((event) => event["type"] === "response.steer")).toHaveLength(1);
  });

  it("prewarms with generate:false; the next call sends only its new items, and the same conversation is not prewarmed twice", async () => {
    const server = await socketServer((create, _socket, index) =>
      create["generate"] === false ? [{ type: "response.created", response: { id: "resp_warm" } }, { type: "response.completed", response: { id: "resp_warm" } }] : completed(`resp_${index}`, "A"),
    );
    closers.push(server.close);
    const model = client(server.url);
    const sys: Message[] = [{ role: "system", content: "sys" }];
    await model.prewarm({ messages: sys });
    await model.prewarm({ messages: sys });
    expect(text(await drain(model.stream({ messages: first })))).toBe("A");
    await model.close();
    const creates = server.received.filter((event) => event["type"] === "response.create");
    expect(creates).toHaveLength(2);
    expect(creates[0]).toMatchObject({ generate: false, input: [{ role: "system", content: "sys" }] });
    expect(creates[1]).toMatchObject({ previous_response_id: "resp_warm", input: [{ role: "user", content: "hi" }] });
    expect(creates[1]?.["generate"]).toBeUndefined();
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
