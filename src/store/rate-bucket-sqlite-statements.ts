import type { Database } from "better-sqlite3";
import { MAX_AGE_OUT_SCAN } from "./rate-bucket-windows.js";

/** The prepared statements of the SQLite rate-bucket store (tables from migration 3). */
export function prepareBucketStatements(db: Database) {
  return {
    selectBucket: db.prepare("SELECT * FROM rate_buckets WHERE key = ? AND family = ?"),
    upsertBucket: db.prepare(`
    INSERT INTO rate_buckets (key, family, cut_minute, sum_minute, cut_5_hours, sum_5_hours, cut_week, sum_week, last_ts)
    VALUES (@key, @family, @cut_minute, @sum_minute, @cut_5_hours, @sum_5_hours, @cut_week, @sum_week, @last_ts)
    ON CONFLICT (key, family) DO UPDATE SET
      cut_minute = excluded.cut_minute, sum_minute = excluded.sum_minute,
      cut_5_hours = excluded.cut_5_hours, sum_5_hours = excluded.sum_5_hours,
      cut_week = excluded.cut_week, sum_week = excluded.sum_week, last_ts = excluded.last_ts`),
    sumBetween: db.prepare(
      "SELECT COALESCE(SUM(tokens), 0) AS n FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ? AND ts <= ?",
    ),
    countAndSumBetween: db.prepare(
      "SELECT COUNT(*) AS n, COALESCE(SUM(tokens), 0) AS tokens FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ? AND ts <= ?",
    ),
    sumAfter: db.prepare("SELECT COALESCE(SUM(tokens), 0) AS n FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ?"),
    countAfter: db.prepare("SELECT COUNT(*) AS n FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ?"),
    deleteUpTo: db.prepare("DELETE FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts <= ?"),
    insertCharge: db.prepare("INSERT INTO rate_bucket_charges (id, key, family, ts, tokens) VALUES (?, ?, ?, ?, ?)"),
    oldestAfter: db.prepare(
      `SELECT ts, tokens FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ? ORDER BY ts LIMIT ${MAX_AGE_OUT_SCAN}`,
    ),
    nthAfter: db.prepare("SELECT ts FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ? ORDER BY ts LIMIT 1 OFFSET ?"),
    newestAfter: db.prepare("SELECT MAX(ts) AS ts FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ?"),
    selectCharge: db.prepare("SELECT key, family, ts, tokens, settled FROM rate_bucket_charges WHERE id = ?"),
    settleCharge: db.prepare("UPDATE rate_bucket_charges SET tokens = ?, settled = 1 WHERE id = ?"),
    adjustSums: db.prepare(`
    UPDATE rate_buckets SET
      sum_minute = sum_minute + (CASE WHEN @ts > cut_minute THEN @delta ELSE 0 END),
      sum_5_hours = sum_5_hours + (CASE WHEN @ts > cut_5_hours THEN @delta ELSE 0 END),
      sum_week = sum_week + (CASE WHEN @ts > cut_week THEN @delta ELSE 0 END)
    WHERE key = @key AND family = @family`),
    listBuckets: db.prepare("SELECT key, family FROM rate_buckets WHERE last_ts > ? ORDER BY key, family"),
    deleteIdleCharges: db.prepare(
      "DELETE FROM rate_bucket_charges WHERE (key, family) IN (SELECT key, family FROM rate_buckets WHERE last_ts <= ?)",
    ),
    deleteIdleBuckets: db.prepare("DELETE FROM rate_buckets WHERE last_ts <= ?"),
    writeMarks: db.prepare("SELECT total_changes() AS changes, (SELECT data_version FROM pragma_data_version()) AS version"),
  };
}

export type BucketStatements = ReturnType<typeof prepareBucketStatements>;
