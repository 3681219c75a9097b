import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./database.js";
import { createWebConversationStore, DEFAULT_WEB_CONVERSATION_QUOTA, WEB_CONVERSATION_LIMITS, type WebConversationInfo, type WebConversationStore } from "./web-conversation-store.js";

let db: Database;
let store: WebConversationStore;
let tick = 0;
const clock = { now: () => new Date(Date.UTC(2026, 0, 1, 12, 0, tick++)) };

beforeEach(() => {
  db = openDatabase(":memory:");
  store = createWebConversationStore(db, DEFAULT_WEB_CONVERSATION_QUOTA, clock);
});
afterEach(() => db.close());

/** A new conversation, which these tests expect to fit the quota. */
function create(owner: string, title: string, model = "spark"): WebConversationInfo {
  const created = store.create(owner, title, model);
  if (created === "too-many") throw new Error(`no room for ${title}`);
  return created;
}

describe("WebConversationStore", () => {
  it("keeps messages in order, with the interrupted flag, and lists the latest conversation first", () => {
    const first = create("key-a", "first");
    const second = create("key-a", "second", "review");
    expect(store.append("key-a", first.id, { role: "user", content: "draw it", interrupted: false })).toBe("appended");
    expect(store.append("key-a", first.id, { role: "assistant", content: "```mermaid\ngraph LR", interrupted: true })).toBe("appended");
    expect(store.get("key-a", first.id)?.messages).toEqual([
      { role: "user", content: "draw it", interrupted: false },
      { role: "assistant", content: "```mermaid\ngraph LR", interrupted: true },
    ]);
    expect(store.list("key-a").conversations.map((conversation) => [conversation.title, conversation.messageCount])).toEqual([
      ["first", 2],
      ["second", 0],
    ]);
    expect(second.model).toBe("review");
  });

  it("shows a key only its own conversations", () => {
    const mine = create("key-a", "mine");
    expect(store.list("key-b").conversations).toEqual([]);
    expect(store.get("key-b", mine.id)).toBeUndefined();
    expect(store.append("key-b", mine.id, { role: "user", content: "x", interrupted: false })).toBe("not-found");
    expect(store.remove("key-b", mine.id)).toBe(false);
    expect(store.remove("key-a", mine.id)).toBe(true);
    expect(store.get("key-a", mine.id)).toBeUndefined();
    expect(db.prepare("SELECT COUNT(*) AS n FROM web_conversation_messages").get()).toEqual({ n: 0 });
  });

  it("refuses a message that would take a conversation past its limits, so it can always be loaded", () => {
    const conversation = create("key-a", "big");
    const half = "x".repeat(WEB_CONVERSATION_LIMITS.characters / 2);
    expect(store.append("key-a", conversation.id, { role: "user", content: half, interrupted: false })).toBe("appended");
    expect(store.append("key-a", conversation.id, { role: "assistant", content: half, interrupted: false })).toBe("appended");
    expect(store.append("key-a", conversation.id, { role: "user", content: "one more", interrupted: false })).toBe("full");
    expect(store.get("key-a", conversation.id)?.messages).toHaveLength(2);
  });

  it("keeps each owner within its quota of conversations and characters, and frees room on delete", () => {
    store = createWebConversationStore(db, { conversations: 2, characters: 100 }, clock);
    const first = create("key-a", "one");
    create("key-a", "two");
    expect(store.create("key-a", "three", "spark")).toBe("too-many");
    expect(store.create("key-b", "other owner", "spark")).not.toBe("too-many");
    expect(store.append("key-a", first.id, { role: "user", content: "x".repeat(60), interrupted: false })).toBe("appended");
    expect(store.append("key-a", first.id, { role: "user", content: "x".repeat(41), interrupted: false })).toBe("over-quota");
    expect(store.append("key-a", first.id, { role: "user", content: "x".repeat(40), interrupted: false })).toBe("appended");
    expect(store.totals("key-a")).toEqual({ conversations: 2, characters: 100 });
    expect(store.remove("key-a", first.id)).toBe(true);
    expect(store.totals("key-a")).toEqual({ conversations: 1, characters: 0 });
    expect(store.create("key-a", "three", "spark")).not.toBe("too-many");
  });

  it("pages through more than one page with a cursor, newest first, none twice", () => {
    const made = Array.from({ length: 7 }, (_, i) => create("key-a", `c${i}`));
    create("key-b", "not mine");
    const seen: string[] = [];
    let page = store.list("key-a", { limit: 3 });
    seen.push(...page.conversations.map((conversation) => conversation.title));
    while (page.next) {
      page = store.list("key-a", { limit: 3, after: page.next });
      seen.push(...page.conversations.map((conversation) => conversation.title));
    }
    expect(seen).toEqual(made.map((conversation) => conversation.title).reverse());
    expect(store.list("key-a", { limit: 1_000 }).conversations).toHaveLength(7);
  });

  it("searches titles and messages as plain text: wildcards and quotes in the search or the title match only themselves", () => {
    const plain = create("key-a", "Deploy notes");
    const hostile = create("key-a", `50% off'; DROP TABLE web_conversations; --_"<img src=x onerror=alert(1)>`);
    create("key-a", "5000 offers");
    expect(store.append("key-a", plain.id, { role: "assistant", content: "Use the BLUE-green switch", interrupted: false })).toBe("appended");
    const titles = (search: string) => store.list("key-a", { search }).conversations.map((conversation) => conversation.title);
    expect(titles("deploy")).toEqual(["Deploy notes"]);
    expect(titles("blue-GREEN")).toEqual(["Deploy notes"]);
    expect(titles("50%")).toEqual([hostile.title]);
    expect(titles("%")).toEqual([hostile.title]);
    expect(titles("_")).toEqual([hostile.title]);
    expect(titles("'; DROP TABLE")).toEqual([hostile.title]);
    expect(titles("nothing like this")).toEqual([]);
    expect(store.list("key-a").conversations).toHaveLength(3);
  });

  it("renames only the owner's conversation", () => {
    const mine = create("key-a", "old");
    expect(store.rename("key-b", mine.id, "stolen")).toBe(false);
    expect(store.rename("key-a", mine.id, "new <b>title</b>")).toBe(true);
    expect(store.get("key-a", mine.id)?.title).toBe("new <b>title</b>");
    expect(store.rename("key-a", "missing", "x")).toBe(false);
  });
});
