import type { RequestCounts } from "./rate-bucket-request-counts.js";
import type { BucketStatements } from "./rate-bucket-sqlite-statements.js";
import type { BucketLimits, BucketState } from "./rate-bucket-store.js";
import { bucketState, MAX_AGE_OUT_SCAN, WEEK_MS, WINDOWS, type AgeOut } from "./rate-bucket-windows.js";

/** A bucket's token windows as of `now`: cut (charges at or before it are out) and the sum after it. */
export interface Bucket {
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

/** Reads and writes one bucket's row and charges; every call runs inside the caller's transaction. */
export class SqliteBuckets {
  constructor(
    private readonly sql: BucketStatements,
    private readonly requestCounts: RequestCounts,
  ) {}

  /**
   * The bucket as of `now`, its cuts moved forward. With `persist` (inside a write transaction) the
   * charges older than the week are deleted and the kept request count follows the minute's cut; the
   * caller saves the bucket (`dirty`) in the same transaction.
   */
  load(key: string, family: string, now: number, persist: boolean): Bucket {
    const row = this.sql.selectBucket.get(key, family) as BucketRow | undefined;
    const id = bucketId(key, family);
    if (persist && row === undefined) this.requestCounts.delete(id);
    const cuts: number[] = [];
    const sums: number[] = [];
    let moved = row === undefined;
    WINDOWS.forEach((spec, index) => {
      const columns = TOKEN_COLUMNS[index];
      if (columns === undefined) return; // requests: counted from the log
      const target = now - spec.spanMs;
      const window = row === undefined ? this.freshWindow(key, family, target) : this.movedWindow(row, columns, index, target, persist);
      cuts[index] = window.cut;
      sums[index] = window.sum;
      moved ||= window.moved;
    });
    cuts[0] = cuts[MINUTE_INDEX] ?? now - WINDOWS[0]!.spanMs;
    const bucket: Bucket = { key, family, id, now, exists: row !== undefined, dirty: false, lastTs: row?.last_ts ?? now, cuts, sums };
    if (persist && moved) {
      this.sql.deleteUpTo.run(key, family, bucket.cuts[3] ?? bucket.now - WEEK_MS);
      bucket.dirty = bucket.exists;
    }
    return bucket;
  }

  save(bucket: Bucket): void {
    this.sql.upsertBucket.run({
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
  usage(bucket: Bucket, limits: BucketLimits, keep: boolean): number[] {
    const requestsLimited = WINDOWS[0]!.limitOf(limits) !== undefined;
    return [requestsLimited ? this.requestCount(bucket, keep) : 0, bucket.sums[1] ?? 0, bucket.sums[2] ?? 0, bucket.sums[3] ?? 0];
  }

  stateOf(bucket: Bucket, limits: BucketLimits, used: readonly number[]): BucketState {
    return bucketState(bucket.key, bucket.family, limits, used, this.ageOut(bucket), this.untilEmpty(bucket));
  }

  /** How long until enough of a window's charges age out to bring it under a threshold. */
  ageOut(bucket: Bucket): AgeOut {
    return (index, threshold) => {
      const spanMs = WINDOWS[index]!.spanMs;
      const cut = bucket.cuts[index]!;
      if (WINDOWS[index]!.unit === "requests") {
        const row = this.sql.nthAfter.get(bucket.key, bucket.family, cut, threshold) as { ts: number } | undefined;
        return row === undefined ? undefined : row.ts + spanMs - bucket.now;
      }
      // Usually the oldest charge alone is enough (the threshold is 0 unless the window is over its limit).
      const oldest = this.sql.oldestAfter.get(bucket.key, bucket.family, cut) as ChargeTime | undefined;
      if (oldest === undefined) return undefined;
      if (oldest.tokens > threshold) return oldest.ts + spanMs - bucket.now;
      return this.scanAgeOut(bucket, cut, threshold, spanMs);
    };
  }

  /** How long until each window is empty. */
  untilEmpty(bucket: Bucket): (index: number) => number {
    return (index) => {
      const row = this.sql.newestAfter.get(bucket.key, bucket.family, bucket.cuts[index]) as { ts: number | null };
      return row.ts === null ? 0 : row.ts + WINDOWS[index]!.spanMs - bucket.now;
    };
  }

  private freshWindow(key: string, family: string, target: number): MovedWindow {
    return { cut: target, sum: (this.sql.sumAfter.get(key, family, target) as { n: number }).n, moved: false };
  }

  /** A saved window's cut moved to `target`, minus the charges that aged out; cuts only move forward. */
  private movedWindow(row: BucketRow, columns: WindowColumns, index: number, target: number, persist: boolean): MovedWindow {
    const cut = row[columns.cut];
    const sum = row[columns.sum];
    // A clock stepping back does not bring aged-out charges back.
    if (target <= cut) return { cut, sum, moved: false };
    const key = row.key;
    const family = row.family;
    if (index !== MINUTE_INDEX) return { cut: target, sum: sum - (this.sql.sumBetween.get(key, family, cut, target) as { n: number }).n, moved: true };
    // The minute's cut is also the requests' cut: one look at the charges ageing out serves both.
    const aged = this.sql.countAndSumBetween.get(key, family, cut, target) as { n: number; tokens: number };
    if (persist) this.followKeptCount(bucketId(key, family), cut, target, aged.n);
    return { cut: target, sum: sum - aged.tokens, moved: true };
  }

  private followKeptCount(id: string, cut: number, target: number, aged: number): void {
    const kept = this.requestCounts.get(id);
    if (kept === undefined) return;
    if (kept.cut === cut) Object.assign(kept, { cut: target, count: kept.count - aged });
    else this.requestCounts.delete(id);
  }

  private requestCount(bucket: Bucket, keep: boolean): number {
    const cut = bucket.cuts[0]!;
    const kept = keep ? this.requestCounts.get(bucket.id) : undefined;
    if (kept !== undefined && kept.cut === cut) return kept.count;
    const count = (this.sql.countAfter.get(bucket.key, bucket.family, cut) as { n: number }).n;
    if (keep) this.requestCounts.set(bucket.id, { cut, count });
    return count;
  }

  private scanAgeOut(bucket: Bucket, cut: number, threshold: number, spanMs: number): number | undefined {
    let aged = 0;
    let seen = 0;
    let lastTs: number | undefined;
    for (const row of this.sql.oldestAfter.iterate(bucket.key, bucket.family, cut) as IterableIterator<ChargeTime>) {
      aged += row.tokens;
      seen += 1;
      lastTs = row.ts;
      if (aged > threshold) return row.ts + spanMs - bucket.now;
    }
    return seen >= MAX_AGE_OUT_SCAN && lastTs !== undefined ? lastTs + spanMs - bucket.now : undefined;
  }
}

export function bucketId(key: string, family: string): string {
  return `${key.length}:${key}${family}`;
}

interface BucketRow {
  key: string;
  family: string;
  cut_minute: number;
  sum_minute: number;
  cut_5_hours: number;
  sum_5_hours: number;
  cut_week: number;
  sum_week: number;
  last_ts: number;
}

interface ChargeTime {
  ts: number;
  tokens: number;
}

interface MovedWindow {
  cut: number;
  sum: number;
  moved: boolean;
}

/** The index in WINDOWS of tokens per minute, whose cut the requests window shares. */
const MINUTE_INDEX = 1;

type WindowColumns = { cut: "cut_minute" | "cut_5_hours" | "cut_week"; sum: "sum_minute" | "sum_5_hours" | "sum_week" };

/** The rate_buckets columns of each token window, by WINDOWS index (requests have none). */
const TOKEN_COLUMNS: readonly (WindowColumns | undefined)[] = [
  undefined,
  { cut: "cut_minute", sum: "sum_minute" },
  { cut: "cut_5_hours", sum: "sum_5_hours" },
  { cut: "cut_week", sum: "sum_week" },
];
