import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./database.js";
import { createWebConversationStore, WEB_CONVERSATION_LIMITS, type WebConversationStore } from "./web-conversation-store.js";

let db: Database;
let store: WebConversationStore;
let tick = 0;
const clock = { now: () => new Date(Date.UTC(2026, 0, 1, 12, 0, tick++)) };

beforeEach(() => {
  db = openDatabase(":memory:");
  store = createWebConversationStore(db, clock);
});
afterEach(() => db.close());

describe("WebConversationStore", () => {
  it("keeps messages in order, with the interrupted flag, and lists the latest conversation first", () => {
    const first = store.create("key-a", "first", "spark");
    const second = store.create("key-a", "second", "review");
    expect(store.append("key-a", first.id, { role: "user", content: "draw it", interrupted: false })).toBe("appended");
    expect(store.append("key-a", first.id, { role: "assistant", content: "```mermaid\ngraph LR", interrupted: true })).toBe("appended");
    expect(store.get("key-a", first.id)?.messages).toEqual([
      { role: "user", content: "draw it", interrupted: false },
      { role: "assistant", content: "```mermaid\ngraph LR", interrupted: true },
    ]);
    expect(store.list("key-a").map((conversation) => [conversation.title, conversation.messageCount])).toEqual([
      ["first", 2],
      ["second", 0],
    ]);
    expect(second.model).toBe("review");
  });

  it("shows a key only its own conversations", () => {
    const mine = store.create("key-a", "mine", "spark");
    expect(store.list("key-b")).toEqual([]);
    expect(store.get("key-b", mine.id)).toBeUndefined();
    expect(store.append("key-b", mine.id, { role: "user", content: "x", interrupted: false })).toBe("not-found");
    expect(store.remove("key-b", mine.id)).toBe(false);
    expect(store.remove("key-a", mine.id)).toBe(true);
    expect(store.get("key-a", mine.id)).toBeUndefined();
    expect(db.prepare("SELECT COUNT(*) AS n FROM web_conversation_messages").get()).toEqual({ n: 0 });
  });

  it("refuses a message that would take a conversation past its limits, so it can always be loaded", () => {
    const conversation = store.create("key-a", "big", "spark");
    const half = "x".repeat(WEB_CONVERSATION_LIMITS.characters / 2);
    expect(store.append("key-a", conversation.id, { role: "user", content: half, interrupted: false })).toBe("appended");
    expect(store.append("key-a", conversation.id, { role: "assistant", content: half, interrupted: false })).toBe("appended");
    expect(store.append("key-a", conversation.id, { role: "user", content: "one more", interrupted: false })).toBe("full");
    expect(store.get("key-a", conversation.id)?.messages).toHaveLength(2);
  });
});
