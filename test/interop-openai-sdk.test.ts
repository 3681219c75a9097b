/**
 * The official openai Node SDK (6.49.0, a project dependency) against the real `spark serve`: Chat
 * Completions and Responses, streamed and not, and a tool round trip on each, through a scripted Chat
 * Completions upstream (so Responses calls cross Spark's translation), plus a streamed answer of the tiny
 * local model.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCRIPTED_FINAL, SCRIPTED_TEXT, TOOL_NAME, TOOL_RESULT, startInteropGateway, toolResultSeen, type InteropGateway } from "./support/interop-clients.js";

const weatherTool = { name: TOOL_NAME, description: "The weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };

describe("the openai Node SDK 6.49.0 through spark serve", () => {
  let spark: InteropGateway;
  let client: OpenAI;

  beforeAll(async () => {
    spark = await startInteropGateway();
    client = new OpenAI({ baseURL: spark.baseURL, apiKey: "sk-unused", maxRetries: 0, timeout: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await spark?.stop();
  });

  it("chat.completions: a text answer", async () => {
    const completion = await client.chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]?.message.content).toBe(SCRIPTED_TEXT);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  it("chat.completions: a streamed answer arrives in several chunks", async () => {
    const stream = await client.chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "hi" }], stream: true });
    const deltas: string[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content;
      if (delta) deltas.push(delta);
    }
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(SCRIPTED_TEXT);
  });

  it("chat.completions: a tool round trip (streamed call, result back, final text)", async () => {
    const tools = [{ type: "function" as const, function: weatherTool }];
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const runner = client.chat.completions.stream({ model: "scripted", messages, tools });
    const first = await runner.finalChatCompletion();
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && call.function.name).toBe(TOOL_NAME);
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
    messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: call!.id, content: TOOL_RESULT });
    const second = await client.chat.completions.create({ model: "scripted", messages, tools });
    expect(second.choices[0]?.message.content).toBe(SCRIPTED_FINAL);
    expect(toolResultSeen(spark.upstream)).toContain(TOOL_RESULT);
  });

  it("responses: a text answer", async () => {
    const response = await client.responses.create({ model: "scripted", input: "hi" });
    expect(response.status).toBe("completed");
    expect(response.output_text).toBe(SCRIPTED_TEXT);
  });

  it("responses: a streamed answer, events in order", async () => {
    const stream = await client.responses.create({ model: "scripted", input: "hi", stream: true });
    const types: string[] = [];
    let text = "";
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
    }
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    expect(types.filter((type) => type === "response.output_text.delta").length).toBeGreaterThan(1);
    expect(text).toBe(SCRIPTED_TEXT);
  });

  it("responses: a tool round trip (function_call, function_call_output, final text)", async () => {
    const tools = [{ type: "function" as const, strict: false, ...weatherTool }];
    const first = await client.responses.create({ model: "scripted", input: "Weather in Paris?", tools });
    const call = first.output.find((item) => item.type === "function_call");
    expect(call?.type === "function_call" && call.name).toBe(TOOL_NAME);
    if (call?.type !== "function_call") throw new Error(`no function_call in ${JSON.stringify(first.output)}`);
    expect(JSON.parse(call.arguments)).toEqual({ city: "Paris" });
    const stream = await client.responses.create({
      model: "scripted",
      input: [{ role: "user", content: "Weather in Paris?" }, call, { type: "function_call_output", call_id: call.call_id, output: TOOL_RESULT }],
      tools,
      stream: true,
    });
    let text = "";
    for await (const event of stream) if (event.type === "response.output_text.delta") text += event.delta;
    expect(text).toBe(SCRIPTED_FINAL);
    expect(toolResultSeen(spark.upstream)).toContain(TOOL_RESULT);
  });

  it("the tiny local model streams an answer on both APIs", async () => {
    const chat = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "hi" }], stream: true, max_tokens: 8 });
    let chatText = "";
    let finish: string | null | undefined;
    for await (const chunk of chat) {
      chatText += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(chatText.length).toBeGreaterThan(0);
    expect(["stop", "length"]).toContain(finish);
    const response = await client.responses.create({ model: "tiny", input: "hi", max_output_tokens: 8, stream: true });
    let last = "";
    for await (const event of response) last = event.type;
    expect(["response.completed", "response.incomplete"]).toContain(last);
  });
});
