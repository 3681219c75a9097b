import { describe, expect, it } from "vitest";
import { chatRequestSchema, responsesRequestSchema } from "./request-schemas.js";
import { chatToModelRequest, responsesToModelRequest } from "./to-model-request.js";

describe("prompt_cache_key", () => {
  it("becomes the request's cacheKey for Chat Completions and Responses", () => {
    const chat = chatRequestSchema.parse({ model: "m", messages: [{ role: "user", content: "hi" }], prompt_cache_key: "conversation-7" });
    expect(chatToModelRequest(chat, "the local engine").cacheKey).toBe("conversation-7");
    const responses = responsesRequestSchema.parse({ model: "m", input: "hi", prompt_cache_key: "conversation-8" });
    expect(responsesToModelRequest(responses, "the local engine").cacheKey).toBe("conversation-8");
  });

  it("is absent when not sent, and refused when not a string", () => {
    const chat = chatRequestSchema.parse({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(chatToModelRequest(chat, "the local engine")).not.toHaveProperty("cacheKey");
    expect(chatRequestSchema.safeParse({ model: "m", messages: [{ role: "user", content: "hi" }], prompt_cache_key: 7 }).success).toBe(false);
  });
});
