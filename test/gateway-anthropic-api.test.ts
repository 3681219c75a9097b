/**
 * `POST /v1/messages` (Anthropic's Messages API) on the built `spark serve`, with raw fetch and the exact
 * shapes Claude Code 2.1.328 sends (`?beta=true`, `anthropic-beta`, `x-api-key`, system blocks with
 * cache_control, a role "system" message, thinking, context_management, output_config, metadata, a
 * deferred tool): every event Claude Code needs, tool calls both ways, non-streaming answers, the tiny local
 * model, a client that goes away, and malformed bodies answered in Anthropic's error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSse, startVendorGateway, type VendorGateway } from "./support/vendor-gateway.js";

let spark: VendorGateway;

beforeAll(async () => {
  spark = await startVendorGateway();
}, 60_000);

afterAll(async () => {
  const code = await spark?.stop();
  expect(code).toBe(0);
  // Neither the key nor the header forms that carry it reach the log, SPARK_DEBUG on.
  expect(spark.gateway.stderr()).not.toContain(spark.key);
  expect(spark.gateway.stderr()).not.toContain(spark.limitedKey);
  expect(spark.gateway.stderr()).not.toMatch(/sk-spark-[0-9a-f]{16}_|x-api-key|anthropic-beta/i);
});

type Json = Record<string, unknown>;

/** A request as Claude Code makes it for a model name that is not Claude's. */
function claudeCodeBody(model: string, messages: Json[], extra: Json = {}): Json {
  return {
    model,
    max_tokens: 32000,
    stream: true,
    thinking: { type: "adaptive" },
    context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
    output_config: { effort: "medium" },
    metadata: { user_id: "user_abc_account__session_123" },
    system: [
      { type: "text", text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: "ephemeral" } },
      { type: "text", text: "Answer briefly.", cache_control: { type: "ephemeral" } },
    ],
    messages: [{ role: "system", content: "Project notes: none." }, ...messages],
    tools: [
      {
        name: "Bash",
        description: "Runs a shell command.",
        input_schema: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: { command: { type: "string" } }, required: ["command"] },
      },
      { name: "ToolSearch", description: "Finds deferred tools.", input_schema: {}, defer_loading: true },
    ],
    ...extra,
  };
}

function post(body: unknown, headers: Record<string, string> = {}, path = "/v1/messages?beta=true", signal?: AbortSignal): Promise<Response> {
  return fetch(`${spark.gateway.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": spark.key,
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27",
      "x-claude-code-session-id": "session-123",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

const user = (content: unknown): Json => ({ role: "user", content });

describe("POST /v1/messages, streaming", () => {
  it("answers text with every event Claude Code needs, each named by an event: line", async () => {
    const response = await post(claudeCodeBody("scripted", [user([{ type: "text", text: "hi", cache_control: { type: "ephemeral" } }])]));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("x-spark-ignored")).toMatch(/thinking.*metadata.*context_management.*output_config/);
    expect(response.headers.get("x-spark-ignored")).toContain("tools.defer_loading");
    const frames = parseSse(await response.text());
    for (const frame of frames) expect(frame.event).toBe(frame.data.type);
    expect(frames.map((frame) => frame.event)).toEqual([
      "message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
    ]);
    expect(frames[0]?.data.message).toMatchObject({ type: "message", role: "assistant", model: "scripted", content: [] });
    expect(frames[2]?.data).toMatchObject({ index: 0, content_block: { type: "text", text: "" } });
    expect(frames.filter((frame) => frame.event === "content_block_delta").map((frame) => frame.data.delta.text).join("")).toBe("Hello from upstream");
    expect(frames[7]?.data).toMatchObject({ delta: { stop_reason: "end_turn" }, usage: { input_tokens: 12, output_tokens: 3 } });

    // What the upstream got: Spark's Chat Completions request, nothing of Anthropic's.
    const sent = spark.upstream.requests.at(-1);
    expect(sent?.body.messages.map((message: { role: string }) => message.role)).toEqual(["system", "system", "user"]);
    expect(sent?.body.messages[0].content).toContain("Anthropic's official CLI");
    expect(sent?.body.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(["Bash"]);
    for (const field of ["thinking", "context_management", "output_config", "metadata", "system"]) expect(sent?.body).not.toHaveProperty(field);
    for (const header of ["anthropic-beta", "anthropic-version", "x-api-key", "x-claude-code-session-id"]) expect(sent?.headers[header]).toBeUndefined();
    expect(sent?.headers.authorization ?? "").not.toContain(spark.key);
  });

  it("streams a tool call as tool_use with input {}, then input_json_delta, then content_block_stop", async () => {
    const response = await post(claudeCodeBody("scripted", [user("tools")]));
    const frames = parseSse(await response.text());
    const start = frames.find((frame) => frame.event === "content_block_start");
    expect(start?.data.content_block).toEqual({ type: "tool_use", id: "call_1", name: "Bash", input: {} });
    const json = frames.filter((frame) => frame.data.delta?.type === "input_json_delta").map((frame) => frame.data.delta.partial_json as string).join("");
    expect(JSON.parse(json)).toEqual({ command: "ls -la" });
    expect(frames.some((frame) => frame.event === "content_block_stop" && frame.data.index === start?.data.index)).toBe(true);
    expect(frames.find((frame) => frame.event === "message_delta")?.data.delta.stop_reason).toBe("tool_use");
    expect(frames.at(-1)?.event).toBe("message_stop");
  });

  it("sends tool_use and tool_result (is_error, cache_control) back to the model as a call and its result", async () => {
    const messages = [
      user("tools"),
      { role: "assistant", content: [{ type: "thinking", thinking: "Let me look.", signature: "sig" }, { type: "text", text: "Listing." }, { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "ls" } }] },
      user([{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "a.txt" }], is_error: true, cache_control: { type: "ephemeral" } }, { type: "text", text: "go on" }]),
    ];
    const response = await post(claudeCodeBody("scripted", messages));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-spark-ignored")).toContain("messages.thinking");
    await response.text();
    const sent = spark.upstream.requests.at(-1)?.body as { messages: { role: string; content: string; tool_calls?: unknown; tool_call_id?: string }[] };
    const assistant = sent.messages.find((message) => message.role === "assistant");
    expect(assistant?.content).toBe("Listing.");
    expect(assistant?.tool_calls).toEqual([{ id: "toolu_1", type: "function", function: { name: "Bash", arguments: '{"command":"ls"}' } }]);
    const tool = sent.messages.find((message) => message.role === "tool");
    expect(tool).toMatchObject({ tool_call_id: "toolu_1", content: "Error: a.txt" });
    expect(sent.messages.at(-1)).toMatchObject({ role: "user", content: "go on" });
  });

  it("stops the upstream when the client goes away mid-stream", async () => {
    const controller = new AbortController();
    const response = await post(claudeCodeBody("scripted", [user("hang")]), {}, "/v1/messages?beta=true", controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await spark.upstream.waitForClientDisconnect(10_000);
  });

  it("reports an upstream that dies mid-stream with an error event in Anthropic's shape", async () => {
    const response = await post(claudeCodeBody("scripted", [user("drop")]));
    expect(response.status).toBe(200);
    const frames = parseSse(await response.text());
    expect(frames.filter((frame) => frame.event === "content_block_delta").map((frame) => frame.data.delta.text).join("")).toBe("one two ");
    expect(frames.at(-1)?.event).toBe("error");
    expect(frames.at(-1)?.data).toMatchObject({ type: "error", error: { type: expect.stringMatching(/api_error|overloaded_error/), message: expect.any(String) } });
    expect(JSON.stringify(frames.at(-1)?.data)).not.toContain("127.0.0.1");
  });

  it("runs the tiny local model: message_start … message_stop", async () => {
    const response = await post(claudeCodeBody("tiny", [user("hi")]));
    expect(response.status).toBe(200);
    const frames = parseSse(await response.text());
    expect(frames[0]?.event).toBe("message_start");
    expect(frames.at(-2)?.data.usage.output_tokens).toBeGreaterThan(0);
    expect(frames.at(-1)?.event).toBe("message_stop");
    const metrics = await (await fetch(`${spark.gateway.url}/metrics`, { headers: { authorization: `Bearer ${spark.key}` } })).text();
    expect(metrics).toMatch(/spark_gateway_requests_total\{[^}]*route="\/v1\/messages",model="tiny",status="200"\} [1-9]/);
  }, 60_000);
});

describe("POST /v1/messages, not streaming", () => {
  it("answers one message with model, content, stop_reason and usage (Bearer auth, as ANTHROPIC_AUTH_TOKEN sends)", async () => {
    const response = await post(claudeCodeBody("scripted", [user("tools")], { stream: false }), { "x-api-key": "", authorization: `Bearer ${spark.key}` });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body).toMatchObject({ type: "message", role: "assistant", model: "scripted", stop_reason: "tool_use", stop_sequence: null });
    expect(body.content).toEqual([{ type: "tool_use", id: "call_1", name: "Bash", input: { command: "ls -la" } }]);
    expect(body.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
  });

  it("counts tokens: POST /v1/messages/count_tokens", async () => {
    const response = await post({ model: "scripted", messages: [user("hello there")], system: "Be brief." }, {}, "/v1/messages/count_tokens?beta=true");
    expect(response.status).toBe(200);
    expect(((await response.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
  });
});

describe("POST /v1/messages, refusals in Anthropic's error shape", () => {
  it("a key past its bucket gets 429 rate_limit_error with Retry-After, and is counted", async () => {
    const first = await post(claudeCodeBody("scripted", [user("hi")]), { "x-api-key": spark.limitedKey });
    expect(first.status).toBe(200);
    await first.text();
    const second = await post(claudeCodeBody("scripted", [user("hi")]), { "x-api-key": spark.limitedKey });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await second.json()) as { error: { type: string } }).error.type).toBe("rate_limit_error");
  });

  const cases: [string, () => Promise<Response>, number, string, RegExp][] = [
    ["an unknown model", () => post(claudeCodeBody("claude-sonnet-9", [user("hi")])), 404, "not_found_error", /The model 'claude-sonnet-9' does not exist on this gateway.*scripted/],
    ["no messages field", () => post({ model: "scripted", max_tokens: 10 }), 400, "invalid_request_error", /'messages' is required/],
    ["a body that is not JSON", () => post("{not json"), 400, "invalid_request_error", /not valid JSON/],
    ["an image block", () => post(claudeCodeBody("scripted", [user([{ type: "image", source: { type: "base64", media_type: "image/png", data: "AA==" } }])])), 400, "invalid_request_error", /type 'image' are not supported/],
    ["a forced tool", () => post(claudeCodeBody("scripted", [user("hi")], { tool_choice: { type: "any" } })), 400, "invalid_request_error", /forced tool call/],
    ["a tool_result without its id", () => post(claudeCodeBody("scripted", [user([{ type: "tool_result", content: "x" }])])), 400, "invalid_request_error", /tool_use_id is required/],
    ["an unknown field", () => post(claudeCodeBody("scripted", [user("hi")], { mcp_servers: [{ url: "http://x" }] })), 400, "invalid_request_error", /'mcp_servers' is not supported/],
    ["a wrong key", () => post(claudeCodeBody("scripted", [user("hi")]), { "x-api-key": "sk-spark-wrong" }), 401, "authentication_error", /not valid for this gateway/],
    ["no key", () => post(claudeCodeBody("scripted", [user("hi")]), { "x-api-key": "" }), 401, "authentication_error", /No API key given/],
  ];
  it.each(cases)("%s", async (_name, send, status, type, message) => {
    const response = await send();
    expect(response.status).toBe(status);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe("error");
    expect(body.error.type).toBe(type);
    expect(body.error.message).toMatch(message);
    expect(JSON.stringify(body)).not.toContain("sk-spark-wrong");
  });
});
