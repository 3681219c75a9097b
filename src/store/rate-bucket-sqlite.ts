import { randomUUID } from "node:crypto";
import type { Database } from "better-sqlite3";
import { errorMessage, SparkError } from "../core/index.js";
import { RequestCounts, type WriteMarks } from "./rate-bucket-request-counts.js";
import { SqliteBuckets } from "./rate-bucket-sqlite-bucket.js";
import { prepareBucketStatements } from "./rate-bucket-sqlite-statements.js";
import type { BucketLimits, BucketState, RateBucketStore, ReserveRequest, ReserveResult } from "./rate-bucket-store.js";
import { checkLimits, checkReserveRequest, checkTokens, decide, WEEK_MS, WINDOWS } from "./rate-bucket-windows.js";

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
  const sql = prepareBucketStatements(db);
  const requestCounts = new RequestCounts(() => sql.writeMarks.get() as WriteMarks);
  const buckets = new SqliteBuckets(sql, requestCounts);
  let nextIdlePruneAt = Number.NEGATIVE_INFINITY;

  function pruneIdleBuckets(now: number): void {
    if (now < nextIdlePruneAt) return;
    const pruned = sql.deleteIdleCharges.run(now - WEEK_MS).changes + sql.deleteIdleBuckets.run(now - WEEK_MS).changes;
    if (pruned > 0) requestCounts.clear();
    nextIdlePruneAt = now + IDLE_PRUNE_INTERVAL_MS;
  }

  function reserveInTransaction(request: ReserveRequest): ReserveResult {
    const now = clock();
    pruneIdleBuckets(now);
    const bucket = buckets.load(request.key, request.family, now, true);
    const used = buckets.usage(bucket, request.limits, true);
    const decision = decide(request.limits, request.tokens, used, buckets.ageOut(bucket), buckets.untilEmpty(bucket));
    if (!decision.ok) {
      if (bucket.dirty) buckets.save(bucket);
      return {
        ok: false,
        window: WINDOWS[decision.windowIndex]!.window,
        retryAfterMs: decision.retryAfterMs,
        state: buckets.stateOf(bucket, request.limits, used),
      };
    }
    const reservationId = newReservationId(now);
    sql.insertCharge.run(reservationId, request.key, request.family, now, request.tokens);
    const kept = requestCounts.get(bucket.id);
    if (kept !== undefined && kept.cut === bucket.cuts[0] && now > kept.cut) kept.count += 1;
    for (let index = 1; index < WINDOWS.length; index++) bucket.sums[index] = (bucket.sums[index] ?? 0) + request.tokens;
    bucket.lastTs = Math.max(bucket.lastTs, now);
    buckets.save(bucket);
    const after = used.map((value, index) => value + (WINDOWS[index]!.unit === "requests" ? 1 : request.tokens));
    return { ok: true, reservationId, state: buckets.stateOf(bucket, request.limits, after) };
  }

  const reserveTx = db.transaction((request: ReserveRequest) => {
    requestCounts.checkMarks();
    const result = reserveInTransaction(request);
    return { result, marks: requestCounts.marksNow() };
  });

  const settleTx = db.transaction((reservationId: string, usedTokens: number) => {
    requestCounts.checkMarks();
    const row = sql.selectCharge.get(reservationId) as ChargeRow | undefined;
    if (row !== undefined && row.settled === 0) {
      sql.settleCharge.run(usedTokens, reservationId);
      const delta = usedTokens - row.tokens;
      if (delta !== 0) sql.adjustSums.run({ ts: row.ts, delta, key: row.key, family: row.family });
    }
    return { result: undefined, marks: requestCounts.marksNow() };
  });

  const stateTx = db.transaction((key: string, family: string, limits: BucketLimits): BucketState => {
    const bucket = buckets.load(key, family, clock(), false);
    return buckets.stateOf(bucket, limits, buckets.usage(bucket, limits, false));
  });

  return {
    async reserve(request) {
      checkReserveRequest(request);
      return guard(() => requestCounts.write(reserveTx.immediate, request));
    },
    async settle(reservationId, usedTokens) {
      checkTokens(usedTokens, "settle");
      guard(() => requestCounts.write(settleTx.immediate, reservationId, usedTokens));
    },
    async state(key, family, limits) {
      checkLimits(limits);
      // A read-only snapshot: the cuts are moved in memory only.
      return guard(() => stateTx.deferred(key, family, limits));
    },
    async buckets() {
      return guard(() => sql.listBuckets.all(clock() - WEEK_MS) as { key: string; family: string }[]);
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
    const detail = errorMessage(error);
    throw new SparkError("internal", `The rate-limit store (SQLite) failed: ${detail}.`, { cause: error, status: 503, retryable: true });
  }
}

/**
 * Reservation ids sort by time (base-36 milliseconds, then 62 random bits), so a new charge goes to the
 * end of the id index, as it does in the others, instead of to a random page of a week-long index.
 */
function newReservationId(now: number): string {
  const uuid = randomUUID();
  return `${Math.max(0, Math.floor(now)).toString(36).padStart(9, "0")}-${uuid.slice(19, 23)}${uuid.slice(24)}`;
}

interface ChargeRow {
  key: string;
  family: string;
  ts: number;
  tokens: number;
  settled: number;
}
