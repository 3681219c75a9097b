import { describe, expect, it } from "vitest";
import { CompletionCache } from "./completion-cache.js";

describe("CompletionCache", () => {
  const text = "const total = ;\nnext();\n";
  const offset = "const total = ".length;

  it("offers the rest of a suggestion while the user types through it", () => {
    const cache = new CompletionCache(4);
    cache.remember({ uri: "a", text, offset }, "a + b");
    expect(cache.lookup({ uri: "a", text, offset })).toBe("a + b");
    const typed = text.slice(0, offset) + "a +" + text.slice(offset);
    expect(cache.lookup({ uri: "a", text: typed, offset: offset + 3 })).toBe(" b");
    // Typed something else, or all of it, or in another document: no hit.
    expect(cache.lookup({ uri: "a", text: text.slice(0, offset) + "x" + text.slice(offset), offset: offset + 1 })).toBeUndefined();
    expect(cache.lookup({ uri: "a", text: text.slice(0, offset) + "a + b" + text.slice(offset), offset: offset + 5 })).toBeUndefined();
    expect(cache.lookup({ uri: "b", text, offset })).toBeUndefined();
  });

  it("misses when the text around the cursor changed", () => {
    const cache = new CompletionCache(4);
    cache.remember({ uri: "a", text, offset }, "a + b");
    expect(cache.lookup({ uri: "a", text: "let" + text.slice(5), offset: offset - 2 })).toBeUndefined();
    expect(cache.lookup({ uri: "a", text: text.replace("next", "prev"), offset })).toBeUndefined();
  });

  it("forgets the least recently used entry first", () => {
    const cache = new CompletionCache(2);
    const at = (n: number) => ({ uri: "a", text: `${"x".repeat(n)}\n`, offset: n });
    cache.remember(at(1), "one");
    cache.remember(at(2), "two");
    expect(cache.lookup(at(1))).toBe("one");
    cache.remember(at(3), "three");
    expect(cache.size).toBe(2);
    expect(cache.lookup(at(2))).toBeUndefined();
    expect(cache.lookup(at(1))).toBe("one");
    cache.forget("a");
    expect(cache.size).toBe(0);
  });
});
