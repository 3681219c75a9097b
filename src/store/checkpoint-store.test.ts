import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTempDatabase } from "../../test/support/temp-stores.js";
import { createCheckpointStore, fileChange, type CheckpointStore, type NewCheckpoint } from "./checkpoint-store.js";
import { databasePath, openDatabase, type Database } from "./database.js";
import { createSessionStore } from "./session-store.js";

let dir: string, db: Database, store: CheckpointStore, close: () => void;
let tick = 0;
const clock = { now: () => new Date(Date.UTC(2026, 0, 1, 12, 0, tick++)) };

beforeEach(() => {
  ({ home: dir, db, close } = openTempDatabase("spark-store-"));
  store = createCheckpointStore(db, clock);
});
afterEach(() => close());

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function checkpoint(workspace: string, overrides: Partial<NewCheckpoint> = {}): NewCheckpoint {
  return {
    workspace,
    description: "update a.txt",
    patch: "*** Begin Patch\n*** End Patch\n",
    files: [{ path: "a.txt", before: bytes("old\r\n"), after: bytes("new\r\n"), mode: 0o644, added: 1, removed: 1 }],
    ...overrides,
  };
}

describe("CheckpointStore", () => {
  it("round-trips files byte for byte, telling an empty file from a missing one", () => {
    const binary = new Uint8Array([0, 255, 13, 10, 0xef, 0xbb, 0xbf]);
    const id = store.record(
      checkpoint("/ws", {
        createdDirs: ["src/new/deeper", "src/new"],
        files: [
          { path: "created.txt", before: null, after: new Uint8Array(0), mode: null, added: 0, removed: 0 },
          { path: "deleted.bin", before: binary, after: null, mode: 0o755, added: 0, removed: 1 },
          { path: "emptied.txt", before: bytes("x\n"), after: new Uint8Array(0), mode: 0o600, added: 0, removed: 1 },
        ],
      }),
    );
    const saved = store.get(id);
    expect(saved).toMatchObject({ id, workspace: "/ws", sessionId: null, undoneAt: null, description: "update a.txt", createdDirs: ["src/new/deeper", "src/new"] });
    expect(saved?.createdAt).toBe("2026-01-01T12:00:00.000Z");
    const files = saved?.files ?? [];
    expect(files.map((file) => file.path)).toEqual(["created.txt", "deleted.bin", "emptied.txt"]);
    expect(files[0]?.before).toBeNull();
    expect(Buffer.from(files[0]?.after ?? [1]).length).toBe(0);
    expect(Buffer.from(files[1]?.before ?? []).equals(Buffer.from(binary))).toBe(true);
    expect(files[1]?.after).toBeNull();
    expect(files[1]?.mode).toBe(0o755);
    expect(files[2]?.after).not.toBeNull();
    expect(files.map(fileChange)).toEqual(["created", "deleted", "modified"]);
  });

  it("lists a workspace's checkpoints newest first, with a limit, and only that workspace", () => {
    const first = store.record(checkpoint("/ws", { description: "one" }));
    store.record(checkpoint("/other", { description: "elsewhere" }));
    const second = store.record(checkpoint("/ws", { description: "two" }));
    const third = store.record(checkpoint("/ws", { description: "three" }));
    expect(store.list("/ws").map((c) => c.id)).toEqual([third, second, first]);
    expect(store.list("/ws", 2).map((c) => c.description)).toEqual(["three", "two"]);
    expect(store.list("/ws")[0]?.files).toEqual([{ path: "a.txt", change: "modified", added: 1, removed: 1 }]);
    expect(store.list("/nowhere")).toEqual([]);
  });

  it("latest() skips undone checkpoints; markUndone() works once", () => {
    const first = store.record(checkpoint("/ws"));
    const second = store.record(checkpoint("/ws"));
    expect(store.latest("/ws")?.id).toBe(second);
    expect(store.markUndone(second)).toBe(true);
    expect(store.markUndone(second)).toBe(false);
    expect(store.markUndone(9999)).toBe(false);
    expect(store.latest("/ws")?.id).toBe(first);
    expect(store.get(second)?.undoneAt).toMatch(/^2026-/);
    expect(store.list("/ws").map((c) => c.undoneAt !== null)).toEqual([true, false]);
    store.markUndone(first);
    expect(store.latest("/ws")).toBeUndefined();
    expect(store.get(12345)).toBeUndefined();
  });

  it("active() returns the checkpoints still in effect, oldest first, per workspace or per session", () => {
    const sessions = createSessionStore(db, clock);
    const session = sessions.create({ workspace: "/ws", model: "m", title: "t" });
    const a = store.record(checkpoint("/ws"));
    const b = store.record(checkpoint("/ws", { sessionId: session }));
    const c = store.record(checkpoint("/ws", { sessionId: session }));
    store.record(checkpoint("/other", { sessionId: session }));
    store.markUndone(c);
    expect(store.active({ workspace: "/ws" }).map((cp) => cp.id)).toEqual([a, b]);
    expect(store.active({ workspace: "/ws", sessionId: session }).map((cp) => cp.id)).toEqual([b]);
    expect(store.get(b)?.sessionId).toBe(session);
  });

  it("refuses a checkpoint for a session that does not exist, and records nothing of it", () => {
    expect(() => store.record(checkpoint("/ws", { sessionId: "no-such-session" }))).toThrow(/FOREIGN KEY/);
    expect(store.list("/ws")).toEqual([]);
    expect(db.prepare("SELECT COUNT(*) AS n FROM checkpoint_files").get()).toEqual({ n: 0 });
  });

  it("is shared by two connections to the same file (WAL)", () => {
    const other = openDatabase(databasePath(dir));
    try {
      const id = store.record(checkpoint("/ws"));
      expect(createCheckpointStore(other).latest("/ws")?.id).toBe(id);
    } finally {
      other.close();
    }
  });
});
