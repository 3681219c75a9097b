import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { SCRIPTED_MODEL, startScriptedServer, type ScriptedServer } from "../../../../test/support/scripted-openai-server.js";
import type { ModelRequest } from "../../../core/index.js";
import { OpenAIChatClient } from "./openai-chat-client.js";
import { OpenAIResponsesClient } from "./openai-responses-client.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ask = (cacheKey?: string): ModelRequest => ({ messages: [{ role: "user", content: "hi" }], ...(cacheKey ? { cacheKey } : {}) });

async function bodiesSent(kind: "chat" | "responses", requests: ModelRequest[]): Promise<Record<string, unknown>[]> {
  server = await startScriptedServer(() => ({ kind: "text", chunks: ["ok"] }));
  const openai = new OpenAI({ apiKey: "test-key", baseURL: server.url, maxRetries: 0 });
  const context = { baseUrl: server.url, model: SCRIPTED_MODEL };
  const client = kind === "chat" ? new OpenAIChatClient(openai, context, SCRIPTED_MODEL) : new OpenAIResponsesClient(openai, context, SCRIPTED_MODEL);
  for (const request of requests) for await (const event of client.stream(request)) void event;
  return server.requests.map((request) => request.body as Record<string, unknown>);
}

// The gateway's socket route and Spark's sessions name the conversation in ModelRequest.cacheKey; an upstream
// (OpenAI, a Spark replica) serves it from its prompt cache only if the key reaches it.
describe.each(["chat", "responses"] as const)("the %s client and prompt_cache_key", (kind) => {
  it("sends the request's conversation key, and no key when the request has none", async () => {
    const [keyed, bare] = await bodiesSent(kind, [ask("conversation-7"), ask()]);
    expect(keyed?.prompt_cache_key).toBe("conversation-7");
    expect(bare).not.toHaveProperty("prompt_cache_key");
  });
});
