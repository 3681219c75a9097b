import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { conversationTitle } from "./conversation-title.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("conversationTitle", () => {
  it("takes the first line with text, trimmed", () => {
    expect(conversationTitle("\n  fix the test  \r\nmore")).toBe("fix the test");
    expect(conversationTitle(" \n\t\n")).toBe("Conversation");
    expect(conversationTitle(`${"a".repeat(79)}😀😀`)).toBe(`${"a".repeat(79)}😀`);
  });

  it("never cuts a character in two, whatever the message", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "a", "a", "a", " ", "\n", "😀", "é", "\u{1F468}\u200D\u{1F469}"), maxLength: 300 }), (message) => {
        const title = conversationTitle(message);
        expect(title).not.toMatch(LONE_SURROGATE);
        expect(Array.from(title).length).toBeLessThanOrEqual(80);
        expect(title).not.toMatch(/[\r\n]/);
      }),
      { seed: 38, numRuns: 300 },
    );
  });
});
