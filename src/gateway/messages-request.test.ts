import { describe, expect, it } from "vitest";
import { messagesToModelRequest } from "./messages-request.js";
import type { MessagesRequest } from "./messages-schema.js";

const backend = "the local model 'tiny'";

describe("messagesToModelRequest", () => {
  it("keeps the order of system text: the system field first, then role system messages where they stand", () => {
    const body: MessagesRequest = {
      model: "tiny",
      system: [{ type: "text", text: "One." }, { type: "text", text: "Two." }],
      messages: [
        { role: "user", content: "hi" },
        { role: "system", content: [{ type: "text", text: "Reminder." }] },
        { role: "assistant", content: "Hello" },
        { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
      ],
      max_tokens: 100,
      stop_sequences: ["STOP", ""],
    };
    const { request } = messagesToModelRequest(body, backend, "claude-code:s1");
    expect(request.messages).toEqual([
      { role: "system", content: "One.\n\nTwo." },
      { role: "user", content: "hi" },
      { role: "system", content: "Reminder." },
      { role: "assistant", content: "Hello" },
      { role: "user", content: "a\nb" },
    ]);
    expect(request).toMatchObject({ maxTokens: 100, stop: ["STOP"], cacheKey: "claude-code:s1" });
  });

  it("offers custom tools (an empty schema as an empty object), leaves server and deferred tools out, and none with tool_choice none", () => {
    const tools = [{ name: "Bash", input_schema: { type: "object" } }, { name: "Later", defer_loading: true }, { type: "web_search_20250305", name: "web_search" }, { type: "custom", name: "Empty" }];
    const base = { model: "tiny", messages: [{ role: "user" as const, content: "hi" }], tools };
    const { request, ignored } = messagesToModelRequest(base, backend, undefined);
    expect(request.tools?.map((tool) => [tool.name, tool.parameters])).toEqual([
      ["Bash", { type: "object" }],
      ["Empty", { type: "object", properties: {} }],
    ]);
    expect(ignored).toEqual(expect.arrayContaining(["tools.defer_loading", "tools.web_search_20250305"]));
    expect(messagesToModelRequest({ ...base, tool_choice: { type: "none" } }, backend, undefined).request.tools).toBeUndefined();
  });

  it("refuses a conversation with nothing to answer, and a tool_use without its id", () => {
    expect(() => messagesToModelRequest({ model: "tiny", messages: [], system: "x" }, backend, undefined)).toThrow(/at least one user message/);
    const call = { role: "assistant" as const, content: [{ type: "tool_use", name: "Bash", input: {} }] };
    expect(() => messagesToModelRequest({ model: "tiny", messages: [{ role: "user", content: "hi" }, call] }, backend, undefined)).toThrow(/needs an 'id' and a 'name'/);
  });
});
