import { describe, expect, it } from "vitest";
import { ResponseChainStore, type StoredResponse } from "./response-chain-store.js";

function response(id: string, text = "hello"): StoredResponse {
  return { id, conversation: [{ role: "user", content: text }], root: id, prewarm: false, status: "completed", pendingCalls: 0 };
}

describe("ResponseChainStore", () => {
  it("keeps at most maxResponses, dropping the oldest", () => {
    const store = new ResponseChainStore({ maxResponses: 2, maxBytes: 1_000_000, ttlMs: 60_000 });
    for (const id of ["a", "b", "c"]) store.put(response(id));
    expect(store.get("a")).toBeUndefined();
    expect(store.get("b")?.id).toBe("b");
    expect(store.get("c")?.id).toBe("c");
    expect(store.size).toBe(2);
  });

  it("keeps at most maxBytes of conversation, and never one response larger than all of it", () => {
    const store = new ResponseChainStore({ maxResponses: 100, maxBytes: 200, ttlMs: 60_000 });
    store.put(response("a", "x".repeat(100)));
    store.put(response("b", "y".repeat(100)));
    expect(store.get("a")).toBeUndefined();
    expect(store.get("b")).toBeDefined();
    store.put(response("huge", "z".repeat(500)));
    expect(store.get("huge")).toBeUndefined();
    expect(store.storedBytes).toBeLessThanOrEqual(200);
  });

  it("forgets a response once it expired", () => {
    let now = 0;
    const store = new ResponseChainStore({ maxResponses: 10, maxBytes: 1_000_000, ttlMs: 1000 }, () => now);
    store.put(response("a"));
    now = 999;
    expect(store.get("a")).toBeDefined();
    now = 1000;
    expect(store.get("a")).toBeUndefined();
    expect(store.storedBytes).toBe(0);
  });
});
