import { describe, expect, it } from "vitest";
import { conversationKey } from "./conversation-key.js";

describe("conversation keys", () => {
  it("prefers prompt_cache_key, then previous_response_id, then the prompt's opening", () => {
    expect(conversationKey({ promptCacheKey: "abc", previousResponseId: "resp_1", prompt: [] })).toBe("key:abc");
    expect(conversationKey({ previousResponseId: "resp_1", prompt: "next" })).toBe("response:resp_1");
    const turn1 = [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }];
    const turn2 = [...turn1, { role: "assistant", content: "hello" }, { role: "user", content: "more" }];
    expect(conversationKey({ prompt: turn2 })).toBe(conversationKey({ prompt: turn1 }));
    expect(conversationKey({ prompt: [{ role: "user", content: "other" }] })).not.toBe(conversationKey({ prompt: turn1 }));
  });
});
