import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./database.js";
import { createResponseStore, type ResponseStore } from "./response-store.js";

let db: Database;
let now = Date.UTC(2026, 0, 1);
const clock = { now: () => new Date(now) };

beforeEach(() => {
  db = openDatabase(":memory:");
  now = Date.UTC(2026, 0, 1);
});
afterEach(() => db.close());

const store = (maxResponses = 3, maxBytes = 100, ttlMs = 60_000): ResponseStore => createResponseStore(db, { maxResponses, maxBytes, ttlMs }, clock);

describe("ResponseStore", () => {
  it("gives a response back only to the key that stored it", () => {
    const responses = store();
    expect(responses.put("key-a", "resp_1", '[{"role":"user"}]')).toBe(true);
    expect(responses.get("key-a", "resp_1")).toBe('[{"role":"user"}]');
    expect(responses.get("key-b", "resp_1")).toBeUndefined();
    expect(responses.get("key-a", "resp_2")).toBeUndefined();
  });

  it("keeps at most maxResponses per key, dropping the oldest, and leaves other keys alone", () => {
    const responses = store(2);
    responses.put("key-b", "resp_b", "b");
    for (const id of ["resp_1", "resp_2", "resp_3"]) {
      now += 1;
      responses.put("key-a", id, id);
    }
    expect(responses.get("key-a", "resp_1")).toBeUndefined();
    expect(responses.get("key-a", "resp_3")).toBe("resp_3");
    expect(responses.totals("key-a").responses).toBe(2);
    expect(responses.get("key-b", "resp_b")).toBe("b");
  });

  it("keeps at most maxBytes per key and refuses one response larger than that", () => {
    const responses = store(10, 100);
    responses.put("key-a", "resp_1", "x".repeat(60));
    now += 1;
    responses.put("key-a", "resp_2", "y".repeat(60));
    expect(responses.get("key-a", "resp_1")).toBeUndefined();
    expect(responses.totals("key-a").bytes).toBe(60);
    expect(responses.put("key-a", "resp_3", "z".repeat(101))).toBe(false);
    expect(responses.get("key-a", "resp_3")).toBeUndefined();
    expect(responses.get("key-a", "resp_2")).toBe("y".repeat(60));
  });

  it("forgets a response after ttlMs, and deletes expired rows on the next write", () => {
    const responses = store(10, 100, 1000);
    responses.put("key-a", "resp_1", "old");
    now += 1000;
    expect(responses.get("key-a", "resp_1")).toBeUndefined();
    responses.put("key-b", "resp_2", "new");
    expect(responses.totals("key-a").responses).toBe(0);
  });
});
