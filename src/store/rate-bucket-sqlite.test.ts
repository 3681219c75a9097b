import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./database.js";
import { describeRateBucketContract } from "../../test/support/rate-bucket-contract.js";
import { createSqliteRateBuckets } from "./rate-bucket-sqlite.js";
import { MINUTE_MS, WEEK_MS } from "./rate-bucket-windows.js";

/** Every store of a backend is a separate connection to one database file, as separate processes would be. */
describeRateBucketContract("SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spark-buckets-"));
  const dbs: Database[] = [];
  return {
    async open(clock) {
      const db = openDatabase(join(dir, "spark.db"));
      dbs.push(db);
      return createSqliteRateBuckets(db, clock);
    },
    async cleanup() {
      for (const db of dbs.splice(0)) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("createSqliteRateBuckets", () => {
  const dbs: Database[] = [];
  afterEach(() => {
    for (const db of dbs.splice(0)) db.close();
  });
  const memory = (): Database => {
    const db = openDatabase(":memory:");
    dbs.push(db);
    return db;
  };
  const count = (db: Database, sql: string): number => (db.prepare(sql).get() as { n: number }).n;

  it("deletes charges once they are older than a week, and buckets idle for a week", async () => {
    const db = memory();
    let now = Date.UTC(2030, 0, 1);
    const store = createSqliteRateBuckets(db, () => now);
    for (let i = 0; i < 5; i++) await store.reserve({ key: "k", family: "spark", tokens: 1, limits: { tokensPerWeek: 100 } });
    await store.reserve({ key: "idle", family: "spark", tokens: 1, limits: {} });
    expect(count(db, "SELECT COUNT(*) AS n FROM rate_bucket_charges")).toBe(6);
    now += WEEK_MS - MINUTE_MS;
    await store.reserve({ key: "k", family: "spark", tokens: 1, limits: { tokensPerWeek: 100 } });
    expect(count(db, "SELECT COUNT(*) AS n FROM rate_bucket_charges")).toBe(7);
    now += MINUTE_MS;
    await store.reserve({ key: "k", family: "spark", tokens: 1, limits: { tokensPerWeek: 100 } });
    // The five first charges of "k" fell out of the week as its bucket moved.
    expect(count(db, "SELECT COUNT(*) AS n FROM rate_bucket_charges WHERE key = 'k'")).toBe(2);
    // Idle buckets go, with their charges, at most an hour later.
    now += 60 * MINUTE_MS;
    await store.reserve({ key: "k", family: "spark", tokens: 1, limits: { tokensPerWeek: 100 } });
    expect(count(db, "SELECT COUNT(*) AS n FROM rate_bucket_charges")).toBe(3);
    expect(db.prepare("SELECT key FROM rate_buckets ORDER BY key").all()).toEqual([{ key: "k" }]);
    expect((await store.state("k", "spark", { tokensPerWeek: 100 })).windows[0]).toMatchObject({ used: 3, remaining: 97 });
  });

  it("reads window sums from an index, not by scanning the charges", () => {
    const db = memory();
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT COALESCE(SUM(tokens), 0) AS n FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ? AND ts <= ?")
      .all("k", "f", 0, 1) as { detail: string }[];
    expect(plan.map((row) => row.detail).join("\n")).toMatch(/USING COVERING INDEX rate_bucket_charges_by_bucket/);
  });

  it("meters a long week of charges quickly", async () => {
    const db = memory();
    let now = Date.UTC(2030, 0, 1);
    const store = createSqliteRateBuckets(db, () => now);
    const limits = { requestsPerMinute: 1000, tokensPerMinute: 100_000, tokensPer5Hours: 10_000_000, tokensPerWeek: 100_000_000 };
    const started = performance.now();
    for (let i = 0; i < 25_000; i++) {
      now += 30_000; // one request every 30 s: a week of them
      const result = await store.reserve({ key: "k", family: "spark", tokens: 100, limits });
      expect(result.ok).toBe(true);
    }
    const elapsed = performance.now() - started;
    expect((await store.state("k", "spark", limits)).windows.map((w) => w.used)).toEqual([2, 200, 60_000, 2_016_000]);
    expect(elapsed).toBeLessThan(20_000);
  });
});
