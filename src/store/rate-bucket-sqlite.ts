import { randomUUID } from "node:crypto";
import type { Database } from "better-sqlite3";
import { SparkError } from "../core/index.js";
import type { BucketLimits, BucketState, RateBucketStore, ReserveRequest, ReserveResult } from "./rate-bucket-store.js";
import {
  bucketState,
  checkLimits,
  checkReserveRequest,
  checkTokens,
  decide,
  MAX_AGE_OUT_SCAN,
  WEEK_MS,
  WINDOWS,
  type AgeOut,
} from "./rate-bucket-windows.js";

/**
 * Rate-limit buckets in SQLite (tables from migration 3): the embedded default for one gateway.
 *
 * Every charge is a row (a sliding log, exact to the millisecond). Per (key, family) a row in
 * rate_buckets keeps, for each token window, the sum of the charges newer than the window's cut; each
 * operation first moves the cuts to `now - span`, subtracting the charges that aged out, so a reserve
 * costs a few index lookups however long the week's log is. Charges older than a week are deleted as the
 * week's cut passes them; buckets idle for a week are deleted, with their charges, at most once an hour.
 *
 * reserve and settle each run in one IMMEDIATE transaction, so reservations from any number of
 * connections or processes on the same file never overshoot (the database's busy timeout makes a second
 * writer wait). `clock` (ms since the epoch, default Date.now) is the only source of time; processes
 * sharing a file share the machine's clock.
 *
 * Requests per minute have no sum column: they are counted from the log. So that a busy key's reserve does
 * not count the whole minute's charges every time, the store keeps each bucket's count in memory, moving
 * it like the sums (minus the charges that age out, plus its own), and trusts it only while nothing else
 * wrote to the database since this store's last transaction: another connection's commit changes
 * `data_version`, any other write on this connection changes `total_changes()`; either one, or a failed
 * transaction, drops every kept count, and the next reserve counts from the log again.
 *
 * `close()` does nothing: the database belongs to the caller, who closes it.
 */
export function createSqliteRateBuckets(db: Database, clock: () => number = Date.now): RateBucketStore {
  const selectBucket = db.prepare("SELECT * FROM rate_buckets WHERE key = ? AND family = ?");
  const upsertBucket = db.prepare(`
    INSERT INTO rate_buckets (key, family, cut_minute, sum_minute, cut_5_hours, sum_5_hours, cut_week, sum_week, last_ts)
    VALUES (@key, @family, @cut_minute, @sum_minute, @cut_5_hours, @sum_5_hours, @cut_week, @sum_week, @last_ts)
    ON CONFLICT (key, family) DO UPDATE SET
      cut_minute = excluded.cut_minute, sum_minute = excluded.sum_minute,
      cut_5_hours = excluded.cut_5_hours, sum_5_hours = excluded.sum_5_hours,
      cut_week = excluded.cut_week, sum_week = excluded.sum_week, last_ts = excluded.last_ts`);
  const sumBetween = db.prepare(
    "SELECT COALESCE(SUM(tokens), 0) AS n FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ? AND ts <= ?",
  );
  const countAndSumBetween = db.prepare(
    "SELECT COUNT(*) AS n, COALESCE(SUM(tokens), 0) AS tokens FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ? AND ts <= ?",
  );
  const sumAfter = db.prepare("SELECT COALESCE(SUM(tokens), 0) AS n FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ?");
  const countAfter = db.prepare("SELECT COUNT(*) AS n FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ?");
  const deleteUpTo = db.prepare("DELETE FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts <= ?");
  const insertCharge = db.prepare("INSERT INTO rate_bucket_charges (id, key, family, ts, tokens) VALUES (?, ?, ?, ?, ?)");
  const oldestAfter = db.prepare(
    `SELECT ts, tokens FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ? ORDER BY ts LIMIT ${MAX_AGE_OUT_SCAN}`,
  );
  const nthAfter = db.prepare("SELECT ts FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ? ORDER BY ts LIMIT 1 OFFSET ?");
  const newestAfter = db.prepare("SELECT MAX(ts) AS ts FROM rate_bucket_charges WHERE key = ? AND family = ? AND ts > ?");
  const selectCharge = db.prepare("SELECT key, family, ts, tokens, settled FROM rate_bucket_charges WHERE id = ?");
  const settleCharge = db.prepare("UPDATE rate_bucket_charges SET tokens = ?, settled = 1 WHERE id = ?");
  const adjustSums = db.prepare(`
    UPDATE rate_buckets SET
      sum_minute = sum_minute + (CASE WHEN @ts > cut_minute THEN @delta ELSE 0 END),
      sum_5_hours = sum_5_hours + (CASE WHEN @ts > cut_5_hours THEN @delta ELSE 0 END),
      sum_week = sum_week + (CASE WHEN @ts > cut_week THEN @delta ELSE 0 END)
    WHERE key = @key AND family = @family`);
  const listBuckets = db.prepare("SELECT key, family FROM rate_buckets WHERE last_ts > ? ORDER BY key, family");
  const deleteIdleCharges = db.prepare(
    "DELETE FROM rate_bucket_charges WHERE (key, family) IN (SELECT key, family FROM rate_buckets WHERE last_ts <= ?)",
  );
  const deleteIdleBuckets = db.prepare("DELETE FROM rate_buckets WHERE last_ts <= ?");
  const writeMarks = db.prepare("SELECT total_changes() AS changes, (SELECT data_version FROM pragma_data_version()) AS version");

  /**
   * Requests in the minute window of each bucket (by bucketId) as of its minute cut, valid while the
   * database's write marks are the ones this store saw at the end of its last write transaction.
   */
  const requestCounts = new Map<string, { cut: number; count: number }>();
  let trustedMarks: WriteMarks | undefined;

  /** At the start of a write transaction: keeps the counts only if nobody else wrote since. */
  function checkMarks(): void {
    const marks = writeMarks.get() as WriteMarks;
    if (trustedMarks === undefined || marks.changes !== trustedMarks.changes || marks.version !== trustedMarks.version) requestCounts.clear();
  }

  /** Runs a write transaction; the counts are trusted afterwards only if it committed. */
  function write<A extends unknown[], R>(transaction: (...args: A) => { result: R; marks: WriteMarks }, ...args: A): R {
    try {
      const { result, marks } = transaction(...args);
      trustedMarks = marks;
      return result;
    } catch (error) {
      requestCounts.clear();
      trustedMarks = undefined;
      throw error;
    }
  }

  /** A bucket's token windows as of `now`: cut (charges at or before it are out) and the sum after it. */
  interface Bucket {
    key: string;
    family: string;
    id: string;
    now: number;
    exists: boolean;
    /** Its cuts moved and the aged-out charges were deleted: it must be saved in this transaction. */
    dirty: boolean;
    lastTs: number;
    cuts: number[]; // per WINDOWS index; requests share the minute's cut
    sums: number[];
  }

  /**
   * The bucket as of `now`, its cuts moved forward. With `persist` (inside a write transaction) the
   * charges older than the week are deleted and the kept request count follows the minute's cut; the
   * caller saves the bucket (`dirty`) in the same transaction.
   */
  function load(key: string, family: string, now: number, persist: boolean): Bucket {
    const row = selectBucket.get(key, family) as BucketRow | undefined;
    const id = bucketId(key, family);
    const kept = persist ? requestCounts.get(id) : undefined;
    if (persist && row === undefined) requestCounts.delete(id);
    const cuts: number[] = [];
    const sums: number[] = [];
    let moved = row === undefined;
    WINDOWS.forEach((spec, index) => {
      const target = now - spec.spanMs;
      const columns = TOKEN_COLUMNS[index];
      if (columns === undefined) return; // requests: counted from the log
      if (row === undefined) {
        cuts[index] = target;
        sums[index] = (sumAfter.get(key, family, target) as { n: number }).n;
        return;
      }
      let cut = row[columns.cut];
      let sum = row[columns.sum];
      // Cuts only move forward: a clock stepping back does not bring aged-out charges back.
      if (target > cut) {
        if (index === MINUTE_INDEX) {
          // The minute's cut is also the requests' cut: one look at the charges ageing out serves both.
          const aged = countAndSumBetween.get(key, family, cut, target) as { n: number; tokens: number };
          sum -= aged.tokens;
          if (kept !== undefined) {
            if (kept.cut === cut) Object.assign(kept, { cut: target, count: kept.count - aged.n });
            else requestCounts.delete(id);
          }
        } else {
          sum -= (sumBetween.get(key, family, cut, target) as { n: number }).n;
        }
        cut = target;
        moved = true;
      }
      cuts[index] = cut;
      sums[index] = sum;
    });
    cuts[0] = cuts[MINUTE_INDEX] ?? now - WINDOWS[0]!.spanMs;
    const bucket: Bucket = { key, family, id, now, exists: row !== undefined, dirty: false, lastTs: row?.last_ts ?? now, cuts, sums };
    if (persist && moved) {
      deleteUpTo.run(key, family, weekCut(bucket));
      bucket.dirty = bucket.exists;
    }
    return bucket;
  }

  function save(bucket: Bucket): void {
    upsertBucket.run({
      key: bucket.key,
      family: bucket.family,
      cut_minute: bucket.cuts[1],
      sum_minute: bucket.sums[1],
      cut_5_hours: bucket.cuts[2],
      sum_5_hours: bucket.sums[2],
      cut_week: bucket.cuts[3],
      sum_week: bucket.sums[3],
      last_ts: bucket.lastTs,
    });
  }

  /** Each window's use, by WINDOWS index; `keep` (write transactions only) uses and fills the kept counts. */
  function usage(bucket: Bucket, limits: BucketLimits, keep: boolean): number[] {
    const requestsLimited = WINDOWS[0]!.limitOf(limits) !== undefined;
    return [requestsLimited ? requestCount(bucket, keep) : 0, bucket.sums[1] ?? 0, bucket.sums[2] ?? 0, bucket.sums[3] ?? 0];
  }

  function requestCount(bucket: Bucket, keep: boolean): number {
    const cut = bucket.cuts[0]!;
    const kept = keep ? requestCounts.get(bucket.id) : undefined;
    if (kept !== undefined && kept.cut === cut) return kept.count;
    const count = (countAfter.get(bucket.key, bucket.family, cut) as { n: number }).n;
    if (keep) requestCounts.set(bucket.id, { cut, count });
    return count;
  }

  function ageOut(bucket: Bucket): AgeOut {
    return (index, threshold) => {
      const spanMs = WINDOWS[index]!.spanMs;
      const cut = bucket.cuts[index]!;
      if (WINDOWS[index]!.unit === "requests") {
        const row = nthAfter.get(bucket.key, bucket.family, cut, threshold) as { ts: number } | undefined;
        return row === undefined ? undefined : row.ts + spanMs - bucket.now;
      }
      // Usually the oldest charge alone is enough (the threshold is 0 unless the window is over its limit).
      const oldest = oldestAfter.get(bucket.key, bucket.family, cut) as { ts: number; tokens: number } | undefined;
      if (oldest === undefined) return undefined;
      if (oldest.tokens > threshold) return oldest.ts + spanMs - bucket.now;
      let aged = 0;
      let seen = 0;
      let lastTs: number | undefined;
      for (const row of oldestAfter.iterate(bucket.key, bucket.family, cut) as IterableIterator<{ ts: number; tokens: number }>) {
        aged += row.tokens;
        seen += 1;
        lastTs = row.ts;
        if (aged > threshold) return row.ts + spanMs - bucket.now;
      }
      return seen >= MAX_AGE_OUT_SCAN && lastTs !== undefined ? lastTs + spanMs - bucket.now : undefined;
    };
  }

  function untilEmpty(bucket: Bucket): (index: number) => number {
    return (index) => {
      const row = newestAfter.get(bucket.key, bucket.family, bucket.cuts[index]) as { ts: number | null };
      return row.ts === null ? 0 : row.ts + WINDOWS[index]!.spanMs - bucket.now;
    };
  }

  function stateOf(bucket: Bucket, limits: BucketLimits, used: readonly number[]): BucketState {
    return bucketState(bucket.key, bucket.family, limits, used, ageOut(bucket), untilEmpty(bucket));
  }

  let nextIdlePruneAt = Number.NEGATIVE_INFINITY;

  function reserveInTransaction(request: ReserveRequest): ReserveResult {
    const now = clock();
    if (now >= nextIdlePruneAt) {
      const pruned = deleteIdleCharges.run(now - WEEK_MS).changes + deleteIdleBuckets.run(now - WEEK_MS).changes;
      if (pruned > 0) requestCounts.clear();
      nextIdlePruneAt = now + IDLE_PRUNE_INTERVAL_MS;
    }
    const bucket = load(request.key, request.family, now, true);
    const used = usage(bucket, request.limits, true);
    const decision = decide(request.limits, request.tokens, used, ageOut(bucket), untilEmpty(bucket));
    if (!decision.ok) {
      if (bucket.dirty) save(bucket);
      return {
        ok: false,
        window: WINDOWS[decision.windowIndex]!.window,
        retryAfterMs: decision.retryAfterMs,
        state: stateOf(bucket, request.limits, used),
      };
    }
    const reservationId = newReservationId(now);
    insertCharge.run(reservationId, request.key, request.family, now, request.tokens);
    const kept = requestCounts.get(bucket.id);
    if (kept !== undefined && kept.cut === bucket.cuts[0] && now > kept.cut) kept.count += 1;
    for (let index = 1; index < WINDOWS.length; index++) bucket.sums[index] = (bucket.sums[index] ?? 0) + request.tokens;
    bucket.lastTs = Math.max(bucket.lastTs, now);
    save(bucket);
    const after = used.map((value, index) => value + (WINDOWS[index]!.unit === "requests" ? 1 : request.tokens));
    return { ok: true, reservationId, state: stateOf(bucket, request.limits, after) };
  }

  const reserveTx = db.transaction((request: ReserveRequest) => {
    checkMarks();
    const result = reserveInTransaction(request);
    return { result, marks: writeMarks.get() as WriteMarks };
  });

  const settleTx = db.transaction((reservationId: string, usedTokens: number) => {
    checkMarks();
    const row = selectCharge.get(reservationId) as ChargeRow | undefined;
    if (row !== undefined && row.settled === 0) {
      settleCharge.run(usedTokens, reservationId);
      const delta = usedTokens - row.tokens;
      if (delta !== 0) adjustSums.run({ ts: row.ts, delta, key: row.key, family: row.family });
    }
    return { result: undefined, marks: writeMarks.get() as WriteMarks };
  });

  const stateTx = db.transaction((key: string, family: string, limits: BucketLimits): BucketState => {
    const bucket = load(key, family, clock(), false);
    return stateOf(bucket, limits, usage(bucket, limits, false));
  });

  return {
    async reserve(request) {
      checkReserveRequest(request);
      return guard(() => write(reserveTx.immediate, request));
    },
    async settle(reservationId, usedTokens) {
      checkTokens(usedTokens, "settle");
      guard(() => write(settleTx.immediate, reservationId, usedTokens));
    },
    async state(key, family, limits) {
      checkLimits(limits);
      // A read-only snapshot: the cuts are moved in memory only.
      return guard(() => stateTx.deferred(key, family, limits));
    },
    async buckets() {
      return guard(() => listBuckets.all(clock() - WEEK_MS) as { key: string; family: string }[]);
    },
    async close() {},
  };
}

const IDLE_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/** A database failure (a lock held past the busy timeout, a full disk) as a retryable 503. */
function guard<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof SparkError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new SparkError("internal", `The rate-limit store (SQLite) failed: ${detail}.`, { cause: error, status: 503, retryable: true });
  }
}

interface BucketRow {
  cut_minute: number;
  sum_minute: number;
  cut_5_hours: number;
  sum_5_hours: number;
  cut_week: number;
  sum_week: number;
  last_ts: number;
}

interface WriteMarks {
  /** Rows changed by this connection since it opened. */
  changes: number;
  /** Changes when another connection commits. */
  version: number;
}

/** The index in WINDOWS of tokens per minute, whose cut the requests window shares. */
const MINUTE_INDEX = 1;

/**
 * Reservation ids sort by time (base-36 milliseconds, then 62 random bits), so a new charge goes to the
 * end of the id index, as it does in the others, instead of to a random page of a week-long index.
 */
function newReservationId(now: number): string {
  const uuid = randomUUID();
  return `${Math.max(0, Math.floor(now)).toString(36).padStart(9, "0")}-${uuid.slice(19, 23)}${uuid.slice(24)}`;
}

function bucketId(key: string, family: string): string {
  return `${key.length}:${key}${family}`;
}

interface ChargeRow {
  key: string;
  family: string;
  ts: number;
  tokens: number;
  settled: number;
}

type CutColumn = "cut_minute" | "cut_5_hours" | "cut_week";
type SumColumn = "sum_minute" | "sum_5_hours" | "sum_week";

/** The rate_buckets columns of each token window, by WINDOWS index (requests have none). */
const TOKEN_COLUMNS: readonly ({ cut: CutColumn; sum: SumColumn } | undefined)[] = [
  undefined,
  { cut: "cut_minute", sum: "sum_minute" },
  { cut: "cut_5_hours", sum: "sum_5_hours" },
  { cut: "cut_week", sum: "sum_week" },
];

function weekCut(bucket: { cuts: number[]; now: number }): number {
  return bucket.cuts[3] ?? bucket.now - WEEK_MS;
}
