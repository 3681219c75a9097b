/**
 * The Gemini API on the built `spark serve` (`/v1beta/models/MODEL:streamGenerateContent?alt=sse`,
 * `:generateContent`, `:countTokens`, `GET /v1beta/models`), with raw fetch and the shapes Gemini CLI 0.61.0
 * sends (`x-goog-api-key` or `?key=`, systemInstruction, functionDeclarations with parametersJsonSchema,
 * generationConfig with topP, topK and thinkingConfig, function calls replayed with a thoughtSignature):
 * frames, function calls both ways matched by id, the tiny local model, and refusals in Google's error shape.
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
  expect(spark.gateway.stderr()).not.toContain(spark.key);
  expect(spark.gateway.stderr()).not.toMatch(/sk-spark-[0-9a-f]{16}_|x-goog-api-key|key=/i);
});

type Json = Record<string, unknown>;

/** A request as Gemini CLI makes it. */
function geminiBody(contents: Json[], extra: Json = {}): Json {
  return {
    contents,
    systemInstruction: { role: "user", parts: [{ text: "You are an interactive CLI agent." }] },
    tools: [
      {
        functionDeclarations: [
          { name: "run_shell_command", description: "Runs a command.", parametersJsonSchema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] } },
          { name: "read_file", description: "Reads a file.", parameters: { type: "OBJECT", properties: { path: { type: "STRING" } } } },
        ],
      },
    ],
    generationConfig: { temperature: 0, topP: 0.95, topK: 64, thinkingConfig: { includeThoughts: true, thinkingBudget: 8192 } },
    ...extra,
  };
}

function post(path: string, body: unknown, headers: Record<string, string> = { "x-goog-api-key": spark.key }): Promise<Response> {
  return fetch(`${spark.gateway.url}/v1beta/models/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-goog-api-client": "google-genai-sdk/1.30.0 gl-node/v20", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const user = (text: string): Json => ({ role: "user", parts: [{ text }] });

describe("POST /v1beta/models/MODEL:streamGenerateContent?alt=sse", () => {
  it("streams text as GenerateContentResponse frames, then the finish reason and usage", async () => {
    const response = await post("scripted:streamGenerateContent?alt=sse", geminiBody([user("hi")]));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-spark-ignored")).toMatch(/generationConfig\.topP.*generationConfig\.topK.*generationConfig\.thinkingConfig/);
    const frames = parseSse(await response.text());
    for (const frame of frames) expect(frame.event).toBeUndefined();
    const texts = frames.flatMap((frame) => frame.data.candidates[0].content?.parts ?? []).map((part: { text: string }) => part.text);
    expect(texts.join("")).toBe("Hello from upstream");
    expect(frames[0]?.data.candidates[0].content.role).toBe("model");
    expect(frames.at(-1)?.data.candidates[0].finishReason).toBe("STOP");
    expect(frames.at(-1)?.data.usageMetadata).toEqual({ promptTokenCount: 12, candidatesTokenCount: 3, totalTokenCount: 15 });
    const sent = spark.upstream.requests.at(-1);
    expect(sent?.body.messages.map((message: { role: string }) => message.role)).toEqual(["system", "user"]);
    // The OpenAPI-style schema's types are JSON Schema's for the upstream.
    expect(sent?.body.tools[1].function.parameters).toEqual({ type: "object", properties: { path: { type: "string" } } });
    for (const header of ["x-goog-api-key", "x-goog-api-client"]) expect(sent?.headers[header]).toBeUndefined();
  });

  it("streams a function call with an id, and matches the functionResponse Gemini CLI sends back", async () => {
    const response = await post("scripted:streamGenerateContent?alt=sse&key=unused-here", geminiBody([user("tools")]));
    const frames = parseSse(await response.text());
    const call = frames.flatMap((frame) => frame.data.candidates[0].content?.parts ?? []).find((part: Json) => part.functionCall)?.functionCall;
    expect(call).toEqual({ id: "call_1", name: "Bash", args: { command: "ls -la" } });

    // Gemini CLI replays the call (here without an id, with a thoughtSignature) and answers it by name.
    const contents = [
      user("tools"),
      { role: "model", parts: [{ text: "Listing." }, { functionCall: { name: "run_shell_command", args: { command: "ls" } }, thoughtSignature: "c2ln" }] },
      { role: "user", parts: [{ functionResponse: { name: "run_shell_command", response: { output: "a.txt" } } }] },
    ];
    const second = await post("scripted:streamGenerateContent?alt=sse", geminiBody(contents));
    expect(second.status).toBe(200);
    expect(second.headers.get("x-spark-ignored")).toContain("thoughtSignature");
    await second.text();
    const sent = spark.upstream.requests.at(-1)?.body as { messages: { role: string; content: string; tool_calls?: { id: string }[]; tool_call_id?: string }[] };
    const assistant = sent.messages.find((message) => message.role === "assistant");
    expect(assistant?.content).toBe("Listing.");
    const tool = sent.messages.find((message) => message.role === "tool");
    expect(tool?.content).toBe("a.txt");
    expect(tool?.tool_call_id).toBe(assistant?.tool_calls?.[0]?.id);
  });

  it("reports an upstream that dies mid-stream with an error frame in Google's shape", async () => {
    const response = await post("scripted:streamGenerateContent?alt=sse", geminiBody([user("drop")]));
    expect(response.status).toBe(200);
    const frames = parseSse(await response.text());
    expect(frames.at(-1)?.data.error).toMatchObject({ code: expect.any(Number), status: expect.any(String), message: expect.any(String) });
    expect(JSON.stringify(frames.at(-1)?.data)).not.toContain("127.0.0.1");
  });

  it("runs the tiny local model", async () => {
    const response = await post("tiny:streamGenerateContent?alt=sse", geminiBody([user("hi")]), { "x-goog-api-key": "", authorization: `Bearer ${spark.key}` });
    expect(response.status).toBe(200);
    const frames = parseSse(await response.text());
    expect(frames.at(-1)?.data.usageMetadata.candidatesTokenCount).toBeGreaterThan(0);
    // ?key= is read on the Gemini routes only: elsewhere a key in a URL is not taken.
    expect((await fetch(`${spark.gateway.url}/metrics?key=${spark.key}`)).status).toBe(401);
    const metrics = await (await fetch(`${spark.gateway.url}/metrics`, { headers: { "x-goog-api-key": spark.key } })).text();
    expect(metrics).toMatch(/spark_gateway_requests_total\{[^}]*route="\/v1beta\/models:streamGenerateContent",model="tiny",status="200"\} [1-9]/);
  }, 60_000);
});

describe("the Gemini API's other methods", () => {
  it(":generateContent answers one GenerateContentResponse (key as ?key=)", async () => {
    const response = await post(`scripted:generateContent?key=${spark.key}`, geminiBody([user("tools")]), {});
    expect(response.status).toBe(200);
    const body = (await response.json()) as { candidates: { content: { role: string; parts: Json[] }; finishReason: string }[]; usageMetadata: Json };
    expect(body.candidates[0]?.content).toEqual({ role: "model", parts: [{ functionCall: { id: "call_1", name: "Bash", args: { command: "ls -la" } } }] });
    expect(body.candidates[0]?.finishReason).toBe("STOP");
    expect(body.usageMetadata.totalTokenCount).toEqual(expect.any(Number));
  });

  it(":countTokens and GET /v1beta/models", async () => {
    const counted = await post("scripted:countTokens", { contents: [user("hello there")] });
    expect(((await counted.json()) as { totalTokens: number }).totalTokens).toBeGreaterThan(0);
    const listed = await fetch(`${spark.gateway.url}/v1beta/models`, { headers: { "x-goog-api-key": spark.key } });
    const names = ((await listed.json()) as { models: { name: string }[] }).models.map((model) => model.name);
    expect(names).toEqual(expect.arrayContaining(["models/scripted", "models/tiny"]));
    const one = await fetch(`${spark.gateway.url}/v1beta/models/tiny`, { headers: { "x-goog-api-key": spark.key } });
    expect(((await one.json()) as { name: string }).name).toBe("models/tiny");
    const missing = await fetch(`${spark.gateway.url}/v1beta/models/gemini-9`, { headers: { "x-goog-api-key": spark.key } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { status: string } }).error.status).toBe("NOT_FOUND");
  });
});

describe("refusals in Google's error shape", () => {
  const cases: [string, () => Promise<Response>, number, string, RegExp][] = [
    ["an unknown model", () => post("gemini-2.5-pro:streamGenerateContent?alt=sse", geminiBody([user("hi")])), 404, "NOT_FOUND", /The model 'gemini-2.5-pro' does not exist on this gateway/],
    ["no contents", () => post("scripted:generateContent", { generationConfig: {} }), 400, "INVALID_ARGUMENT", /'contents' is required/],
    ["a body that is not JSON", () => post("scripted:generateContent", "{nope"), 400, "INVALID_ARGUMENT", /not valid JSON/],
    ["inline data", () => post("scripted:generateContent", geminiBody([{ role: "user", parts: [{ inlineData: { mimeType: "image/png", data: "AA==" } }] }])), 400, "INVALID_ARGUMENT", /'inlineData' are not supported/],
    ["a forced function call", () => post("scripted:generateContent", geminiBody([user("hi")], { toolConfig: { functionCallingConfig: { mode: "ANY" } } })), 400, "INVALID_ARGUMENT", /mode ANY/],
    ["a stream without alt=sse", () => post("scripted:streamGenerateContent", geminiBody([user("hi")])), 400, "INVALID_ARGUMENT", /alt=sse/],
    ["an unknown method", () => post("scripted:embedContent", {}), 404, "NOT_FOUND", /generateContent/],
    ["a wrong key", () => post("scripted:generateContent", geminiBody([user("hi")]), { "x-goog-api-key": "sk-spark-wrong" }), 401, "UNAUTHENTICATED", /not valid for this gateway/],
    ["no key", () => post("scripted:generateContent", geminiBody([user("hi")]), {}), 401, "UNAUTHENTICATED", /No API key given/],
  ];
  it.each(cases)("%s", async (_name, send, status, googleStatus, message) => {
    const response = await send();
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { code: number; status: string; message: string } };
    expect(body.error.code).toBe(status);
    expect(body.error.status).toBe(googleStatus);
    expect(body.error.message).toMatch(message);
  });
});
