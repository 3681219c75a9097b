import { describe, expect, it } from "vitest";
import { chatRequestSchema, responsesRequestSchema } from "./request-schemas.js";
import { chatToModelRequest, responsesToModelRequest } from "./to-model-request.js";

describe("prompt_cache_key", () => {
  it("becomes the request's cacheKey for Chat Completions and Responses", () => {
    const chat = chatRequestSchema.parse({ model: "m", messages: [{ role: "user", content: "hi" }], prompt_cache_key: "conversation-7" });
    expect(chatToModelRequest(chat, "the local engine").request.cacheKey).toBe("conversation-7");
    const responses = responsesRequestSchema.parse({ model: "m", input: "hi", prompt_cache_key: "conversation-8" });
    expect(responsesToModelRequest(responses, "the local engine").request.cacheKey).toBe("conversation-8");
  });

  it("is absent when not sent, and refused when not a string", () => {
    const chat = chatRequestSchema.parse({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(chatToModelRequest(chat, "the local engine").request).not.toHaveProperty("cacheKey");
    expect(chatRequestSchema.safeParse({ model: "m", messages: [{ role: "user", content: "hi" }], prompt_cache_key: 7 }).success).toBe(false);
  });
});

/** The shape of the Codex CLI 0.169.0's first POST /v1/responses (trimmed), as recorded against Spark. */
const codexBody = {
  model: "spark",
  stream: true,
  tool_choice: "auto",
  parallel_tool_calls: true,
  reasoning: { summary: "auto" },
  store: false,
  include: ["reasoning.encrypted_content"],
  prompt_cache_key: "thread-1",
  client_metadata: { session_id: "thread-1" },
  text: { verbosity: "low" },
  input: [
    { type: "message", role: "developer", content: [{ type: "input_text", text: "You are Codex." }] },
    { type: "message", role: "user", content: [{ type: "input_text", text: "list the files" }] },
    { type: "reasoning", summary: [], encrypted_content: "opaque" },
    { type: "function_call", call_id: "c1", name: "spawn_agent", namespace: "multi_agent_v1", arguments: "{}" },
    { type: "function_call_output", call_id: "c1", output: "agent 7" },
  ],
  tools: [
    { type: "function", name: "exec_command", description: "Runs a command", strict: false, parameters: { type: "object", properties: { cmd: { type: "string" } } } },
    {
      type: "namespace",
      name: "multi_agent_v1",
      description: "Sub-agents",
      tools: [{ type: "function", name: "spawn_agent", description: "Spawns one", strict: false, parameters: { type: "object", properties: {} } }],
    },
    { type: "web_search", external_web_access: true },
  ],
};

describe("the accept-and-ignore rule", () => {
  it("accepts the Codex CLI's request, flattens its namespace and reports every field it ignores", () => {
    const { request, ignored, tools } = responsesToModelRequest(responsesRequestSchema.parse(codexBody), "the local model 'spark'");
    expect(request.tools?.map((tool) => tool.name)).toEqual(["exec_command", "multi_agent_v1__spawn_agent"]);
    expect(tools.declaredName("multi_agent_v1__spawn_agent")).toEqual({ name: "spawn_agent", namespace: "multi_agent_v1" });
    expect(tools.declaredName("exec_command")).toEqual({ name: "exec_command" });
    // The earlier call to a namespaced tool is shown to the model under the name it was offered.
    expect(request.messages.find((message) => message.role === "assistant")).toMatchObject({ toolCalls: [{ id: "c1", name: "multi_agent_v1__spawn_agent" }] });
    expect(ignored.sort()).toEqual(["client_metadata", "include", "input.reasoning", "parallel_tool_calls", "reasoning", "store", "text.verbosity", "tools.web_search"]);
  });

  it("accepts and reports Chat Completions' ignorable fields", () => {
    const body = chatRequestSchema.parse({ model: "m", messages: [{ role: "user", content: "hi" }], reasoning_effort: "low", verbosity: "low", safety_identifier: "u1", store: true });
    expect(chatToModelRequest(body, "the local engine").ignored.sort()).toEqual(["reasoning_effort", "safety_identifier", "store", "verbosity"]);
  });

  it("still refuses what would silently give a wrong answer", () => {
    const chat = (extra: Record<string, unknown>) => chatRequestSchema.parse({ model: "m", messages: [{ role: "user", content: "hi" }], ...extra });
    expect(() => chatToModelRequest(chat({ n: 2 }), "the local engine")).toThrow(/'n'/);
    expect(() => chatToModelRequest(chat({ logprobs: true }), "the local engine")).toThrow(/logprobs/);
    expect(() => chatToModelRequest(chat({ made_up: 1 }), "the local engine")).toThrow(/made_up/);
    const responses = (extra: Record<string, unknown>) => responsesRequestSchema.parse({ model: "m", input: "hi", ...extra });
    expect(() => responsesToModelRequest(responses({ tools: [{ type: "custom", name: "apply_patch" }] }), "the local engine")).toThrow(/'custom' is not/);
    expect(() => responsesToModelRequest(responses({ tool_choice: { type: "web_search" } }), "the local engine")).toThrow(/tool_choice/);
  });

  it("refuses a namespaced tool whose flat name would break OpenAI's 64-character rule, or collide", () => {
    const long = "n".repeat(40);
    const body = responsesRequestSchema.parse({ model: "m", input: "hi", tools: [{ type: "namespace", name: long, tools: [{ type: "function", name: "t".repeat(30) }] }] });
    expect(() => responsesToModelRequest(body, "the local engine")).toThrow(/over 64 characters/);
    const twice = responsesRequestSchema.parse({
      model: "m",
      input: "hi",
      tools: [{ type: "function", name: "a__b" }, { type: "namespace", name: "a", tools: [{ type: "function", name: "b" }] }],
    });
    expect(() => responsesToModelRequest(twice, "the local engine")).toThrow(/declared twice/);
  });
});
