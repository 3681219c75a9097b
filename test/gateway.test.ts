/**
 * `spark serve` end to end: the built CLI runs the gateway on a loopback port, and the official `openai`
 * SDK is the client: against the local tiny GGUF (aliased in the project config) and against a scripted
 * upstream, streaming and not; bad input; a client that disconnects mid-stream.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";
import { ensureTestModel } from "./support/tiny-gguf.js";


function metricValue(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`)));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

const reply = (request: RecordedRequest): ScriptedReply => {
  const body = request.body as { messages?: { content: string }[]; input?: string };
  const prompt = body.messages?.at(-1)?.content ?? body.input ?? "";
  if (prompt === "hang") return { kind: "hang-after", chunks: ["one ", "two ", "three "] };
  if (prompt === "drop") return { kind: "drop-after", chunks: ["one ", "two "] };
  if (prompt === "fail400") return { kind: "error", status: 400, body: { error: { message: "temperature is out of range", type: "invalid_request_error", param: null, code: null } } };
  if (prompt === "fail500") return { kind: "error", status: 500 };
  if (prompt === "tools") return { kind: "tool-calls", calls: [{ id: "call_1", name: "read_file", arguments: '{"path":"a.ts"}' }] };
  return { kind: "text", chunks: ["Hello", " from", " upstream"], usage: { prompt: 12, completion: 3 } };
};

let upstream: ScriptedServer;
let gateway: GatewayProcess;
let client: OpenAI;
let project: string;
let home: string;

beforeAll(async () => {
  const model = await ensureTestModel();
  upstream = await startScriptedServer(reply);
  project = tempDir("spark-gateway-");
  home = tempDir("spark-gateway-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(
    join(project, ".spark", "config.toml"),
    [
      "[aliases]",
      `tiny = "local:${model}"`,
      "[models.tiny]",
      "context_size = 8192",
      "temperature = 0",
      "[models.remote-chat]",
      `base_url = "${upstream.url}"`,
      'model = "upstream-model"',
      "[models.upstream-model]",
      `base_url = "${upstream.url}"`,
      "[providers.lab]",
      `base_url = "${upstream.url}"`,
      'api = "responses"',
      "[models.broken]",
      'base_url = "http://127.0.0.1:9/v1"',
      "[gateway]",
      'models = ["lab/codex"]',
      "[gateway.limits.standard]",
      "tokens_per_minute = 10000000",
      "",
    ]
      .join("\n"),
  );
  gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  const code = await gateway?.stop();
  await upstream?.close();
  expect(code).toBe(0);
});

describe("spark serve: the gateway process", () => {
  it("prints a parseable URL on loopback and says that no keys means loopback only", async () => {
    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect.poll(() => gateway.stderr()).toContain("no API keys exist");
    const health = await fetch(`${gateway.url}/healthz`);
    expect(await health.json()).toEqual({ status: "ok" });
  });

  it("lists the configured models that resolve", async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(["tiny", "remote-chat", "lab/codex"]));
  });

  it("without keys, refuses requests addressed to another name or sent by another site's page (DNS rebinding)", async () => {
    const { port } = new URL(gateway.url);
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest({ host: "127.0.0.1", port, path: "/v1/models", headers }, (response) => {
          let body = "";
          response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on("error", reject).end();
      });
    const rebound = await get({ host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.code).toBe("host_not_allowed");
    expect((await get({ host: `127.0.0.1:${port}`, origin: "http://attacker.example" })).status).toBe(403);
    expect((await get({ host: `localhost:${port}`, origin: `http://localhost:${port}` })).status).toBe(200);
    expect((await get({ host: `[::1]:${port}` })).status).toBe(200);
  });

  it("refuses a non-loopback address while no key exists", async () => {
    const result = await runSpark(["serve", "--host", "0.0.0.0", "--port", "0"], { cwd: project, timeoutMs: 20_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Refusing to listen on 0.0.0.0 without API keys");
    expect(result.stderr).toContain("spark keys create");
  });
});

describe("local model through the gateway (tiny GGUF)", () => {
  it("answers a chat completion, with usage", async () => {
    const completion = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 12 });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(12);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it("streams a chat completion the SDK's accumulator accepts, usage last, same text as without streaming", async () => {
    const plain = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "stream me" }], max_tokens: 16 });
    const stream = client.chat.completions.stream({ model: "tiny", messages: [{ role: "user", content: "stream me" }], max_tokens: 16, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(plain.choices[0]?.message.content);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(16);
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it("streams a Responses API answer in the order the SDK's ResponseStream checks", async () => {
    const stream = client.responses.stream({ model: "tiny", input: "hello", max_output_tokens: 10 });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalResponse();
    expect(types.slice(0, 4)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
    expect(types.at(-1)).toBe("response.incomplete");
    expect(final.output_text.length).toBeGreaterThan(0);
    expect(final.usage?.output_tokens).toBe(10);
    const plain = await client.responses.create({ model: "tiny", input: "hello", max_output_tokens: 10 });
    expect(plain.output_text).toBe(final.output_text);
  });

  it("fills in the middle on /v1/completions with a suffix, streaming and not", async () => {
    const prefix = "function add(a, b) {\n  return ";
    const completion = await client.completions.create({ model: "tiny", prompt: prefix, suffix: "\n}\n", max_tokens: 8 });
    expect(completion.object).toBe("text_completion");
    expect(completion.choices[0]?.text.length).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBe(8);
    const stream = await client.completions.create({ model: "tiny", prompt: prefix, suffix: "\n}\n", max_tokens: 8, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(text).toBe(completion.choices[0]?.text);
  });

  it("ends a local chat answer at a stop sequence natively, with finish_reason stop", async () => {
    const messages = [{ role: "user" as const, content: "hello" }];
    const full = (await client.chat.completions.create({ model: "tiny", messages, max_tokens: 24 })).choices[0]?.message.content ?? "";
    const stop = full.slice(4, 7);
    const stopped = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 24, stop: [stop] });
    const text = stopped.choices[0]?.message.content ?? "";
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
    expect(text).not.toContain(stop);
    // Without whitespace: the tiny model's SentencePiece vocabulary drops the leading space of the chunk
    // node-llama-cpp held back while it could still be the stop sequence.
    expect(text.replace(/\s/g, "")).toBe(full.slice(0, full.indexOf(stop)).replace(/\s/g, ""));
    expect(stopped.usage?.completion_tokens).toBeLessThan(24);
  });

  it("accepts a Codex-shaped Responses request (reasoning, client_metadata, a namespace, web_search) and names what it ignored", async () => {
    const response = await fetch(`${gateway.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "tiny",
        input: "hi",
        max_output_tokens: 8,
        reasoning: { summary: "auto" },
        client_metadata: { session_id: "s1" },
        parallel_tool_calls: true,
        tools: [
          { type: "namespace", name: "multi_agent_v1", description: "Sub-agents", tools: [{ type: "function", name: "spawn_agent", parameters: { type: "object", properties: {} } }] },
          { type: "web_search", external_web_access: true },
        ],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-spark-ignored")?.split(",").sort()).toEqual(["client_metadata", "parallel_tool_calls", "reasoning", "tools.web_search"]);
    expect(((await response.json()) as { status: string }).status).toMatch(/completed|incomplete/);
  });

  it("a client that disconnects mid-stream stops the generation at once and is charged only what was generated", async () => {
    const before = await (await fetch(`${gateway.url}/metrics`)).text();
    const stream = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "go on forever" }], max_tokens: 60_000, stream: true });
    let deltas = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas++;
      if (deltas === 20) break; // the SDK aborts the request
    }
    // The gateway sees the disconnect a moment later (longer on a loaded machine): wait for it, bounded.
    await expect.poll(async () => metricValue(await (await fetch(`${gateway.url}/metrics`)).text(), "spark_gateway_client_disconnects_total", { model: "tiny" }), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => metricValue(await (await fetch(`${gateway.url}/metrics`)).text(), "spark_gateway_active_generations", {}), { timeout: 10_000 }).toBe(0);
    const after = await (await fetch(`${gateway.url}/metrics`)).text();
    const labels = { model: "tiny", family: "standard", kind: "output" };
    const generated = metricValue(after, "spark_gateway_tokens_total", labels) - metricValue(before, "spark_gateway_tokens_total", labels);
    expect(generated).toBeGreaterThanOrEqual(20);
    expect(generated).toBeLessThan(60_000);
    // Stopped: nothing more is generated later.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const later = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metricValue(later, "spark_gateway_tokens_total", labels)).toBe(metricValue(after, "spark_gateway_tokens_total", labels));
    expect(metricValue(later, "spark_gateway_active_generations", {})).toBe(0);
    // The bucket holds what was generated, not the 60,000 reserved.
    const usage = await runSpark(["usage", "--json"], { cwd: project, env: { HOME: home, SPARK_HOME: join(home, ".spark") } });
    expect(usage.code).toBe(0);
    const report = JSON.parse(usage.stdout) as { keys: { name: string; buckets: { family: string; windows: { window: string; used: number }[]; lastWeek: { aborted: number; inputTokens: number; outputTokens: number } }[] }[] };
    const standard = report.keys.find((key) => key.name === "anonymous")?.buckets.find((bucket) => bucket.family === "standard");
    expect(standard?.lastWeek.aborted).toBe(1);
    const perMinute = standard?.windows.find((window) => window.window === "tokens-per-minute");
    expect(perMinute?.used).toBe((standard?.lastWeek.inputTokens ?? 0) + (standard?.lastWeek.outputTokens ?? 0));
    expect(perMinute?.used).toBeLessThan(60_000);
  });
});

describe("upstream models through the gateway (scripted OpenAI-compatible server)", () => {
  it("passes a chat stream through; the upstream gets its own model name and a usage request", async () => {
    const seen = upstream.requests.length;
    const stream = await client.chat.completions.create({ model: "remote-chat", messages: [{ role: "user", content: "hi" }], stream: true });
    let text = "";
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe("Hello from upstream");
    // The client did not ask for usage: the frame the gateway asked for is not passed on.
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true);
    const forwarded = upstream.requests[seen]?.body as { model: string; stream_options: { include_usage: boolean } };
    expect(forwarded.model).toBe("upstream-model");
    expect(forwarded.stream_options.include_usage).toBe(true);
    expect(upstream.requests[seen]?.headers.authorization).toBeUndefined();
  });

  it("passes usage through when the client asks, and non-streaming answers as they are", async () => {
    const stream = await client.chat.completions.create({ model: "remote-chat", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 3 });
    const completion = await client.chat.completions.create({ model: "remote-chat", messages: [{ role: "user", content: "tools" }] });
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({ id: "call_1", function: { name: "read_file", arguments: '{"path":"a.ts"}' } });
  });

  it("passes a Responses API stream through to an upstream of that API", async () => {
    const stream = client.responses.stream({ model: "lab/codex", input: "hi" });
    for await (const event of stream) void event;
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("Hello from upstream");
    expect(final.usage?.input_tokens).toBe(12);
    expect(upstream.requests.at(-1)?.path).toBe("/v1/responses");
  });

  it("re-encodes across APIs: a chat request to a Responses upstream, a Responses request to a chat upstream", async () => {
    const chat = await client.chat.completions.create({ model: "lab/codex", messages: [{ role: "user", content: "hi" }] });
    expect(chat.choices[0]?.message.content).toBe("Hello from upstream");
    const stream = client.responses.stream({ model: "remote-chat", input: "hi" });
    for await (const event of stream) void event;
    expect((await stream.finalResponse()).output_text).toBe("Hello from upstream");
  });

  it("a client that disconnects closes the upstream connection at once", async () => {
    const before = upstream.disconnects;
    const stream = await client.chat.completions.create({ model: "remote-chat", messages: [{ role: "user", content: "hang" }], stream: true });
    let text = "";
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (text === "one two three ") break;
    }
    await upstream.waitForClientDisconnect(5000);
    expect(upstream.disconnects).toBe(before + 1);
    await expect.poll(async () => metricValue(await (await fetch(`${gateway.url}/metrics`)).text(), "spark_gateway_client_disconnects_total", { model: "remote-chat" }), { timeout: 10_000 }).toBe(1);
  });

  it("an upstream that drops mid-stream is an error for the SDK, not a short success, and is counted", async () => {
    const count = async (route: string) => metricValue(await (await fetch(`${gateway.url}/metrics`)).text(), "spark_upstream_stream_errors_total", { route });
    const before = { chat: await count("/v1/chat/completions"), responses: await count("/v1/responses") };
    const chat = await client.chat.completions.create({ model: "remote-chat", messages: [{ role: "user", content: "drop" }], stream: true });
    let text = "";
    const chatError = await (async () => {
      for await (const chunk of chat) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((error: unknown) => error);
    // What arrived before the drop may be cut short too (Node drops what it buffered when a socket resets).
    expect("one two ".startsWith(text)).toBe(true);
    expect(chatError).toBeInstanceOf(OpenAI.APIError);
    expect((chatError as Error).message).toContain("closed the connection before the answer ended");
    // The Responses API reports a failure mid-stream as an `error` event (the SDK yields it), never `response.completed`.
    const responses = await client.responses.create({ model: "lab/codex", input: "drop", stream: true });
    const events: { type: string; message?: string }[] = [];
    for await (const event of responses) events.push(event);
    expect(events.at(-1)).toMatchObject({ type: "error", code: "upstream_stream_broken" });
    expect(events.at(-1)?.message).toContain("closed the connection before the answer ended");
    expect(events.some((event) => event.type === "response.completed")).toBe(false);
    expect(await count("/v1/chat/completions")).toBe(before.chat + 1);
    expect(await count("/v1/responses")).toBe(before.responses + 1);
  });

  it("forwards what a Responses upstream accepts, and leaves out (and reports) what a Chat Completions upstream would reject", async () => {
    const body = { input: "hi", reasoning: { summary: "auto" }, client_metadata: { session_id: "s1" }, include: ["reasoning.encrypted_content"], store: false, tools: [{ type: "web_search" }] };
    const post = (model: string) => fetch(`${gateway.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, model }) });
    const passed = await post("lab/codex");
    expect(passed.status).toBe(200);
    expect(passed.headers.get("x-spark-ignored")).toBeNull();
    expect(upstream.requests.at(-1)?.body).toMatchObject({ reasoning: { summary: "auto" }, client_metadata: { session_id: "s1" }, store: false });
    const translated = await post("remote-chat");
    expect(translated.status).toBe(200);
    expect(translated.headers.get("x-spark-ignored")?.split(",").sort()).toEqual(["client_metadata", "include", "reasoning", "store", "tools.web_search"]);
    const forwarded = upstream.requests.at(-1);
    expect(forwarded?.path).toBe("/v1/chat/completions");
    for (const field of ["reasoning", "client_metadata", "include", "store", "tools"]) expect(forwarded?.body).not.toHaveProperty(field);
  });

  it("maps upstream failures to OpenAI errors: a refusal stays 4xx, a failure or an unreachable upstream is 502", async () => {
    const refused = await client.chat.completions.create({ model: "remote-chat", messages: [{ role: "user", content: "fail400" }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toContain("temperature is out of range");
    const failed = await client.chat.completions.create({ model: "remote-chat", messages: [{ role: "user", content: "fail500" }], stream: true }).catch((error: unknown) => error);
    expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    const unreachable = await client.chat.completions.create({ model: "broken", messages: [{ role: "user", content: "x" }] }).catch((error: unknown) => error);
    expect((unreachable as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    // The client learns which model's upstream failed, never its address (the gateway's log has it).
    expect((unreachable as Error).message).toMatch(/Cannot reach the upstream of model \S+ \(ECONNREFUSED\)/);
    expect((unreachable as Error).message).not.toContain("127.0.0.1:9");
  });

  it("counts a failed request once, whether it failed before its stream opened or in the middle of it", async () => {
    const counts = async () => {
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      return {
        failed: metricValue(text, "spark_gateway_errors_total", { code: "provider_error" }),
        failedAnswers: metricValue(text, "spark_gateway_requests_total", { route: "/v1/chat/completions", model: "remote-chat", status: "502" }),
        broken: metricValue(text, "spark_gateway_errors_total", { code: "upstream_stream_broken" }),
      };
    };
    const before = await counts();
    const failed = await client.chat.completions.create({ model: "remote-chat", messages: [{ role: "user", content: "fail500" }] }).catch((error: unknown) => error);
    expect(failed).toMatchObject({ status: 502, code: "provider_error" });
    const dropped = await client.chat.completions.create({ model: "remote-chat", messages: [{ role: "user", content: "drop" }], stream: true });
    const broken = await (async () => {
      for await (const chunk of dropped) void chunk;
    })().catch((error: unknown) => error);
    expect(broken).toBeInstanceOf(OpenAI.APIError);
    expect(await counts()).toEqual({ failed: before.failed + 1, failedAnswers: before.failedAnswers + 1, broken: before.broken + 1 });
  });
});

describe("bad input gets a 4xx OpenAI error that says what to fix", () => {
  const post = (path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${gateway.url}${path}`, { method: "POST", headers, body });

  it.each([
    ["malformed JSON", "{bad", 400, "not valid JSON"],
    ["an array body", "[]", 400, "must be a JSON object"],
    ["a wrong type", JSON.stringify({ model: "tiny", messages: "hi" }), 400, "'messages' has the wrong type: expected array, got string"],
    ["a missing field", JSON.stringify({ model: "tiny" }), 400, "'messages' is required"],
    ["a number as content", JSON.stringify({ model: "tiny", messages: [{ role: "user", content: 5 }] }), 400, "expected string or array, got number"],
    ["an unknown role", JSON.stringify({ model: "tiny", messages: [{ role: "wizard", content: "x" }] }), 400, "'messages[0].role'"],
    ["an unknown model", JSON.stringify({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }), 404, "does not exist on this gateway"],
    ["a local file path as model", JSON.stringify({ model: "local:/etc/passwd", messages: [{ role: "user", content: "x" }] }), 404, "does not exist on this gateway"],
    ["an unsupported parameter", JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "x" }], n: 3 }), 400, "'n' = 3 is not supported"],
    ["an unknown parameter for a local model", JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "x" }], wat: true }), 400, "'wat' is not supported"],
    ["a negative max_tokens", JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "x" }], max_tokens: -1 }), 400, "'max_tokens' is too small"],
  ])("%s", async (_name, body, status, message) => {
    const response = await post("/v1/chat/completions", body);
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: { message: string; type: string; param: unknown; code: unknown } };
    expect(json.error.message).toContain(message);
    expect(Object.keys(json.error).sort()).toEqual(["code", "message", "param", "type"]);
  });

  it("an oversized body, a wrong content type, an unknown route", async () => {
    const big = await post("/v1/chat/completions", JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "x".repeat(5 * 1024 * 1024) }] }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toContain("gateway.body_limit");
    const form = await post("/v1/chat/completions", "a=1", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    const missing = await fetch(`${gateway.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("unknown_route");
  });

  it("Responses and Completions validate too, and the SDK sees typed errors", async () => {
    const responses = await post("/v1/responses", JSON.stringify({ model: "tiny", input: 42 }));
    expect(responses.status).toBe(400);
    const previous = await client.responses.create({ model: "tiny", input: "x", previous_response_id: "resp_1" }).catch((error: unknown) => error);
    expect(previous).toBeInstanceOf(OpenAI.BadRequestError);
    expect((previous as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("previous_response_id");
    const completions = await client.completions.create({ model: "tiny", prompt: "x", echo: true }).catch((error: unknown) => error);
    expect(completions).toBeInstanceOf(OpenAI.BadRequestError);
    const notFound = await client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] }).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("counts client errors by code in /metrics and stays up", async () => {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metricValue(metrics, "spark_gateway_errors_total", { code: "invalid_json" })).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, "spark_gateway_errors_total", { code: "model_not_found" })).toBeGreaterThanOrEqual(1);
    expect(metrics).toContain("spark_gateway_time_to_first_token_seconds_bucket");
    expect(metrics).toContain("spark_gateway_output_tokens_per_second_bucket");
    expect(metrics).toContain('spark_gateway_bucket_remaining{key="anonymous",family="standard",window="tokens-per-minute"}');
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });
});

describe("fuzzed request bodies and headers (fast-check)", () => {
  it("only ever answer 2xx or 4xx, and the gateway stays up", async () => {
    const { default: fc } = await import("fast-check");
    const models = fc.constantFrom("remote-chat", "lab/codex", "no-such-model", "local:/etc/passwd", "", 5, null);
    const message = fc.record(
      { role: fc.oneof(fc.constantFrom("user", "system", "assistant", "tool", "developer"), fc.string()), content: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.record({ type: fc.constantFrom("text", "image_url"), text: fc.string() }))) },
      { requiredKeys: [] },
    );
    const chatBody = fc.record(
      {
        model: models,
        messages: fc.oneof(fc.array(message, { maxLength: 3 }), fc.string()),
        stream: fc.oneof(fc.boolean(), fc.string()),
        max_tokens: fc.oneof(fc.integer({ min: -5, max: 64 }), fc.double(), fc.string()),
        temperature: fc.oneof(fc.double({ min: -1, max: 3, noNaN: true }), fc.string()),
        stop: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 6 })),
        tools: fc.anything({ maxDepth: 2 }),
        extra: fc.anything({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      chatBody.map((value) => JSON.stringify(value)),
      fc.json({ maxDepth: 3 }),
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
    );
    const path = fc.constantFrom("/v1/chat/completions", "/v1/responses", "/v1/completions", "/v1/models", "/v1/../metrics", "/v1/chat/completions?x=%zz");
    const contentType = fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "", "application/x-www-form-urlencoded");
    const authorization = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 60 }).map((text) => text.replace(/[^\x20-\x7e]/g, "")), fc.constant("Bearer sk-spark-0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    await fc.assert(
      fc.asyncProperty(path, body, contentType, authorization, async (route, payload, type, auth) => {
        const headers: Record<string, string> = {};
        if (type) headers["content-type"] = type;
        if (auth !== undefined) headers.authorization = auth;
        const response = await fetch(`${gateway.url}${route}`, { method: "POST", headers, body: payload });
        const text = await response.text();
        if (response.status >= 500 || response.status < 200) throw new Error(`${response.status} for POST ${route} ${payload.slice(0, 200)}: ${text.slice(0, 300)}`);
        if (response.status >= 400) expect(JSON.parse(text)).toHaveProperty("error.message");
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300), ...(process.env.FUZZ_RUNS ? {} : { seed: 20261125 }) },
    );
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });
});
