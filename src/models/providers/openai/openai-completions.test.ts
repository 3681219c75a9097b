import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { SCRIPTED_MODEL, startScriptedServer, type Script, type ScriptedServer } from "../../../../test/support/scripted-openai-server.js";
import type { CompletionRequest, StreamEvent } from "../../../core/index.js";
import { OpenAIChatClient } from "./openai-chat-client.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(script: Script): Promise<{ client: OpenAIChatClient; server: ScriptedServer }> {
  server = await startScriptedServer(script);
  const openai = new OpenAI({ apiKey: "test-key", baseURL: server.url, maxRetries: 0 });
  return { client: new OpenAIChatClient(openai, { baseUrl: server.url, model: SCRIPTED_MODEL }, SCRIPTED_MODEL), server };
}

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

const textOf = (events: StreamEvent[]) => events.map((event) => (event.type === "text-delta" ? event.text : "")).join("");
const finishOf = (events: StreamEvent[]) => events.findLast((event) => event.type === "finish");
const fill: CompletionRequest = { prompt: "function add(a, b) {\n  return ", suffix: "\n}\n", maxTokens: 16, temperature: 0, stop: ["\n\n"] };

describe("OpenAI Completions (complete on a remote client)", () => {
  it("fills in the middle through /v1/completions with suffix, stop and limits", async () => {
    const { client, server } = await clientFor([{ kind: "text", chunks: ["a + ", "b;"], usage: { prompt: 12, completion: 3 } }]);
    const events = await collect(client.complete(fill));
    expect(textOf(events)).toBe("a + b;");
    expect(finishOf(events)).toEqual({ type: "finish", reason: "stop" });
    expect(await client.fillMode()).toBe("fim");
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      path: "/v1/completions",
      body: { model: SCRIPTED_MODEL, prompt: fill.prompt, suffix: fill.suffix, max_tokens: 16, temperature: 0, stop: ["\n\n"], stream: true },
    });
  });

  it("falls back to the chat prompt, for good, when the server cannot fill in the middle", async () => {
    const { client, server } = await clientFor((request) => (request.path === "/v1/completions" ? { kind: "error", status: 404 } : { kind: "text", chunks: ["a + b;"] }));
    expect(textOf(await collect(client.complete(fill)))).toBe("a + b;");
    expect(await client.fillMode()).toBe("chat");
    expect(finishOf(await collect(client.complete(fill)))).toEqual({ type: "finish", reason: "stop" });
    expect(server.requests.map((request) => request.path)).toEqual(["/v1/completions", "/v1/chat/completions", "/v1/chat/completions"]);
    const chat = server.requests[1]?.body as { messages: { content: string }[]; stop: string[] };
    expect(chat.messages.at(-1)?.content).toContain(`${fill.prompt}<CURSOR>${fill.suffix}`);
    expect(chat.stop).toEqual(["\n\n"]);
  });

  it("reports other failures as errors, without falling back", async () => {
    const { client, server } = await clientFor([{ kind: "error", status: 401 }]);
    const events = await collect(client.complete(fill));
    expect(events.find((event) => event.type === "error")).toMatchObject({ error: { code: "provider_auth" } });
    expect(finishOf(events)).toEqual({ type: "finish", reason: "error" });
    expect(await client.fillMode()).toBe("fim");
    expect(server.requests).toHaveLength(1);
  });

  it("ends an aborted completion with finish abort, keeping the text so far", async () => {
    const { client } = await clientFor([{ kind: "hang-after", chunks: ["a + "] }]);
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    for await (const event of client.complete(fill, { signal: controller.signal })) {
      events.push(event);
      if (event.type === "text-delta") controller.abort();
    }
    expect(textOf(events)).toBe("a + ");
    expect(finishOf(events)).toEqual({ type: "finish", reason: "abort" });
  });
});
