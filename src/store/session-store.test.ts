import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTempDatabase } from "../../test/support/temp-stores.js";
import type { Message } from "../core/index.js";
import type { Database } from "./database.js";
import { openStores } from "./open-stores.js";
import { createSessionStore, type SessionStore } from "./session-store.js";

let dir: string, db: Database, store: SessionStore, close: () => void;
let tick = 0;
const clock = { now: () => new Date(Date.UTC(2026, 0, 1, 12, 0, tick++)) };

beforeEach(() => {
  ({ home: dir, db, close } = openTempDatabase("spark-store-"));
  store = createSessionStore(db, clock);
});
afterEach(() => close());

describe("SessionStore", () => {
  it("creates a session and appends messages of every role in order, as JSON", () => {
    const id = store.create({ workspace: "/ws", model: "spark", title: "fix the bug" });
    const conversation: Message[] = [
      { role: "system", content: "be brief" },
      { role: "user", content: "fix it ✓" },
      { role: "assistant", content: "", toolCalls: [{ id: "call_1", name: "read_file", arguments: '{"path":"a.ts"}' }] },
      { role: "tool", toolCallId: "call_1", content: "line 1\nline 2" },
    ];
    expect(conversation.map((message) => store.append(id, message))).toEqual([0, 1, 2, 3]);
    store.append(id, { role: "assistant", content: "half an ans" }, { interrupted: true });
    const stored = store.messages(id);
    expect(stored.map((entry) => entry.message)).toEqual([...conversation, { role: "assistant", content: "half an ans" }]);
    expect(stored.map((entry) => entry.interrupted)).toEqual([false, false, false, false, true]);
    expect(stored.map((entry) => entry.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(store.get(id)).toMatchObject({ id, workspace: "/ws", model: "spark", title: "fix the bug", messageCount: 5 });
  });

  it("keeps sessions apart and lists a workspace's sessions, most recently updated first", () => {
    const older = store.create({ workspace: "/ws", model: "a", title: "older" });
    const newer = store.create({ workspace: "/ws", model: "b", title: "newer" });
    store.create({ workspace: "/other", model: "c", title: "elsewhere" });
    store.append(older, { role: "user", content: "still going" });
    expect(store.list("/ws").map((session) => session.title)).toEqual(["older", "newer"]);
    expect(store.list("/ws", 1).map((session) => session.id)).toEqual([older]);
    expect(store.messages(newer)).toEqual([]);
    const info = store.get(older);
    expect((info?.updatedAt ?? "") > (info?.createdAt ?? "")).toBe(true);
  });

  it("refuses to append to an unknown session; unknown ids read as nothing", () => {
    expect(() => store.append("nope", { role: "user", content: "x" })).toThrow(/no session nope/);
    expect(store.get("nope")).toBeUndefined();
    expect(store.messages("nope")).toEqual([]);
  });

  it("is reachable through openStores(home) at <home>/spark.db", () => {
    const home = join(dir, "home");
    const stores = openStores(home);
    try {
      const id = stores.sessions.create({ workspace: "/ws", model: "m", title: "t" });
      expect(stores.sessions.get(id)?.title).toBe("t");
      expect(stores.db.name).toBe(join(home, "spark.db"));
    } finally {
      stores.close();
    }
  });
});
