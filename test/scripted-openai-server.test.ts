/**
 * Proves the scripted server speaks the real OpenAI wire format by driving it
 * with the official `openai` SDK — including the SDK's stream helpers, whose
 * accumulators throw on missing roles, finish reasons, or out-of-order events.
 * If these pass, a failure in a CLI end-to-end test is Spark's, not the double's.
 */
import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterEach, describe, expect, it } from "vitest";
import { startScriptedServer, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";

let server: ScriptedServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(script: Parameters<typeof startScriptedServer>[0]): Promise<OpenAI> {
  server = await startScriptedServer(script);
  return new OpenAI({ baseURL: server.url, apiKey: "test", maxRetries: 0 });
}

const messages = [{ role: "user" as const, content: "hi" }];
const toolCalls: ScriptedReply = {
  kind: "tool-calls",
  argumentChunkSize: 4,
  calls: [
    { id: "call_a", name: "read_file", arguments: '{"path":"src/index.ts"}' },
    { id: "call_b", name: "run_shell", arguments: '{"command":"ls -la"}' },
  ],
};

describe("chat completions", () => {
  it("streams text deltas, a stop chunk, the usage chunk and [DONE]", async () => {
    const client = await setup([
      { kind: "text", chunks: ["Hel", "lo", "!"], usage: { prompt: 7, completion: 3, acceptedPrediction: 2, rejectedPrediction: 1 } },
    ]);
    const stream = await client.chat.completions.create({
      model: "m1",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hello!");
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "m1")).toBe(true);
    const [finish, usageChunk] = chunks.slice(-2);
    expect(finish?.choices[0]?.finish_reason).toBe("stop");
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toMatchObject({
      prompt_tokens: 7,
      completion_tokens: 3,
      total_tokens: 10,
      completion_tokens_details: { accepted_prediction_tokens: 2, rejected_prediction_tokens: 1 },
    });
    expect(server?.requests[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", body: { stream: true } });
  });

  it("omits the usage chunk when include_usage is not requested", async () => {
    const client = await setup([{ kind: "text", chunks: ["a"] }]);
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create({ model: "m", messages, stream: true })) chunks.push(chunk);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it("streams tool calls that the SDK's accumulator assembles", async () => {
    const client = await setup([toolCalls]);
    const stream = client.chat.completions.stream({ model: "m", messages, stream_options: { include_usage: true } });
    let argumentDeltas = 0;
    for await (const chunk of stream) argumentDeltas += chunk.choices[0]?.delta.tool_calls?.length ?? 0;
    const final = await stream.finalChatCompletion();

    expect(argumentDeltas).toBeGreaterThan(4); // really split, not one chunk per call
    const choice = final.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.tool_calls).toEqual([
      { id: "call_a", type: "function", function: { name: "read_file", arguments: '{"path":"src/index.ts"}' } },
      { id: "call_b", type: "function", function: { name: "run_shell", arguments: '{"command":"ls -la"}' } },
    ]);
    expect(final.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("answers non-streaming requests with a chat.completion body", async () => {
    const client = await setup([{ kind: "text", chunks: ["plain ", "reply"] }]);
    const completion = await client.chat.completions.create({ model: "m", messages });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message).toMatchObject({ role: "assistant", content: "plain reply" });
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it("takes replies in order, repeats the last, and accepts a script function", async () => {
    const client = await setup([
      { kind: "text", chunks: ["one"] },
      { kind: "text", chunks: ["two"] },
    ]);
    const texts: (string | null | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      texts.push((await client.chat.completions.create({ model: "m", messages })).choices[0]?.message.content);
    }
    expect(texts).toEqual(["one", "two", "two"]);
    await server?.close();

    const echo = await setup((req, index) => ({ kind: "text", chunks: [`${index}:${req.body.messages[0].content}`] }));
    const reply = await echo.chat.completions.create({ model: "m", messages });
    expect(reply.choices[0]?.message.content).toBe("0:hi");
  });
});

describe("responses API", () => {
  it("streams text events in the order and shape the SDK types them", async () => {
    const client = await setup([{ kind: "text", chunks: ["Hi", " there"], usage: { prompt: 5, completion: 2 } }]);
    const events: ResponseStreamEvent[] = [];
    for await (const event of await client.responses.create({ model: "m", input: "hi", stream: true })) events.push(event);

    expect(events.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : []));
    expect(deltas).toEqual(["Hi", " there"]);
    const completed = events.at(-1);
    if (completed?.type !== "response.completed") throw new Error("last event is not response.completed");
    expect(completed.response.usage).toEqual({
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 2,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 7,
    });
  });

  it("passes the SDK's ResponseStream accumulator for text", async () => {
    const client = await setup([{ kind: "text", chunks: ["Hi", " there"] }]);
    const final = await client.responses.stream({ model: "m", input: "hi" }).finalResponse();
    expect(final.output_text).toBe("Hi there");
    expect(final.status).toBe("completed");
  });

  it("streams function calls with argument deltas", async () => {
    const client = await setup([toolCalls]);
    const events: ResponseStreamEvent[] = [];
    for await (const event of await client.responses.create({ model: "m", input: "hi", stream: true })) events.push(event);

    const argsDone = events.flatMap((e) => (e.type === "response.function_call_arguments.done" ? [e] : []));
    expect(argsDone.map((e) => [e.output_index, e.name, e.arguments])).toEqual([
      [0, "read_file", '{"path":"src/index.ts"}'],
      [1, "run_shell", '{"command":"ls -la"}'],
    ]);
    const added = events.find((e) => e.type === "response.output_item.added");
    expect(added?.type === "response.output_item.added" && added.item).toMatchObject({
      type: "function_call",
      call_id: "call_a",
      name: "read_file",
      arguments: "",
    });

    // The accumulator rebuilds each call from the deltas alone.
    const final = await client.responses.stream({ model: "m", input: "hi" }).finalResponse();
    expect(final.output).toMatchObject([
      { type: "function_call", call_id: "call_a", name: "read_file", arguments: '{"path":"src/index.ts"}' },
      { type: "function_call", call_id: "call_b", name: "run_shell", arguments: '{"command":"ls -la"}' },
    ]);
  });
});

describe("errors, models, and disconnects", () => {
  it("surfaces a 429 as RateLimitError with its headers and OpenAI error body", async () => {
    const client = await setup([{ kind: "error", status: 429, headers: { "retry-after": "0" } }]);
    const err = await client.chat.completions.create({ model: "m", messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.code).toBe("rate_limit_exceeded");
    expect(rateLimit.headers?.get("retry-after")).toBe("0");
  });

  it("surfaces a 401 on the Responses API as AuthenticationError", async () => {
    const client = await setup([{ kind: "error", status: 401 }]);
    await expect(client.responses.create({ model: "m", input: "hi", stream: true })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
  });

  it("lists the scripted model", async () => {
    const client = await setup([]);
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(["scripted-model"]);
  });

  it("sees an aborted mid-stream chat request as a client disconnect", async () => {
    const client = await setup([{ kind: "text", chunks: ["a", "b", "c", "d", "e", "f"], delayMs: 200 }]);
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "m", messages, stream: true },
      { signal: controller.signal },
    );
    const seen: string[] = [];
    for await (const chunk of stream) {
      seen.push(chunk.choices[0]?.delta.content ?? "");
      if (seen.length === 2) controller.abort();
    }
    await server?.waitForClientDisconnect(2_000);
    expect(server?.disconnects).toBe(1);
    expect(seen.join("")).toBe("a");
  });

  it("sees an abort of a hung Responses stream as a disconnect", async () => {
    const client = await setup([{ kind: "hang-after", chunks: ["partial"] }]);
    const controller = new AbortController();
    const stream = await client.responses.create({ model: "m", input: "hi", stream: true }, { signal: controller.signal });
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") controller.abort();
    }
    await server?.waitForClientDisconnect(2_000);
    expect(server?.disconnects).toBe(1);
  });

  it("close() ends hung streams instead of hanging the test, without counting a disconnect", async () => {
    const client = await setup([{ kind: "hang-after", chunks: ["x"] }]);
    const stream = await client.chat.completions.create({ model: "m", messages, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const done = iterator.next().catch((e: unknown) => e);
    await server?.close();
    await done; // the SDK either ends or errors; either way it no longer waits
    expect(server?.disconnects).toBe(0);
    server = undefined;
  });
});
