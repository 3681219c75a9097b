import { describe, expect, it } from "vitest";
import { geminiToModelRequest, lowerCaseTypes } from "./gemini-request.js";
import type { GeminiRequest } from "./gemini-schema.js";

const backend = "the local model 'tiny'";

describe("geminiToModelRequest", () => {
  it("pairs each functionResponse with its call: by id when both have one, else the first open call of that name", () => {
    const body: GeminiRequest = {
      contents: [
        { role: "user", parts: [{ text: "go" }] },
        { role: "model", parts: [{ functionCall: { id: "a1", name: "read", args: { path: "x" } } }, { functionCall: { name: "read", args: { path: "y" } } }, { functionCall: { name: "ls" } }] },
        {
          role: "user",
          parts: [
            { functionResponse: { name: "ls", response: { output: "files" } } },
            { functionResponse: { name: "read", response: { output: "Y" } } },
            { functionResponse: { id: "a1", name: "read", response: { error: "no such file" } } },
          ],
        },
      ],
    };
    const { request } = geminiToModelRequest(body, backend);
    const assistant = request.messages[1];
    expect(assistant?.role === "assistant" ? assistant.toolCalls?.map((call) => [call.id, call.name, call.arguments]) : []).toEqual([
      ["a1", "read", '{"path":"x"}'],
      ["call_1", "read", '{"path":"y"}'],
      ["call_2", "ls", "{}"],
    ]);
    expect(request.messages.slice(2)).toEqual([
      { role: "tool", toolCallId: "call_2", content: "files" },
      { role: "tool", toolCallId: "call_1", content: "Y" },
      { role: "tool", toolCallId: "a1", content: "Error: no such file" },
    ]);
  });

  it("keeps thoughts and signatures out of the prompt, and reports them", () => {
    const body: GeminiRequest = {
      systemInstruction: "Be brief.",
      contents: [
        { role: "user", parts: [{ text: "hi" }] },
        { role: "model", parts: [{ text: "pondering", thought: true }, { text: "Hello", thoughtSignature: "c2ln" }] },
        { role: "user", parts: [{ text: "again" }] },
      ],
      generationConfig: { temperature: 0.2, maxOutputTokens: 50, stopSequences: ["END"], topP: 0.9 } as GeminiRequest["generationConfig"],
    };
    const { request, ignored } = geminiToModelRequest(body, backend);
    expect(request.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "hi" },
      { role: "assistant", content: "Hello" },
      { role: "user", content: "again" },
    ]);
    expect(request).toMatchObject({ temperature: 0.2, maxTokens: 50, stop: ["END"] });
    expect(ignored).toEqual(expect.arrayContaining(["thought", "thoughtSignature", "generationConfig.topP"]));
  });

  it("turns a JSON response MIME type and an OpenAPI-style schema into a JSON Schema constraint", () => {
    const body: GeminiRequest = {
      contents: [{ role: "user", parts: [{ text: "json please" }] }],
      generationConfig: { responseMimeType: "application/json", responseSchema: { type: "OBJECT", properties: { next: { type: "STRING", enum: ["user", "model"] } } } },
    };
    expect(geminiToModelRequest(body, backend).request.jsonSchema).toEqual({ name: "response", schema: { type: "object", properties: { next: { type: "string", enum: ["user", "model"] } } } });
  });

  it("refuses what would change the answer: a second candidate, a forced call, an unknown field, an empty conversation", () => {
    const hi = [{ role: "user", parts: [{ text: "hi" }] }];
    expect(() => geminiToModelRequest({ contents: hi, generationConfig: { candidateCount: 2 } }, backend)).toThrow(/candidateCount 2/);
    expect(() => geminiToModelRequest({ contents: hi, toolConfig: { functionCallingConfig: { mode: "any" } } }, backend)).toThrow(/mode ANY/);
    expect(() => geminiToModelRequest({ contents: hi, cachedContent: "cachedContents/1" } as GeminiRequest, backend)).toThrow(/'cachedContent' is not supported/);
    expect(() => geminiToModelRequest({ contents: [] }, backend)).toThrow(/at least one part/);
  });

  it("lowerCaseTypes leaves everything but `type` values alone", () => {
    expect(lowerCaseTypes({ type: "ARRAY", items: { type: "INTEGER" }, description: "TYPE" })).toEqual({ type: "array", items: { type: "integer" }, description: "TYPE" });
  });
});
