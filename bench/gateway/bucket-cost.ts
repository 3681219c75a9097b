/**
 * What the SQLite rate bucket costs a request, in process: reserve + settle on a database file set up as
 * `spark serve` sets it up (WAL, synchronous = NORMAL), with the keyed gateway's limits (requests and
 * tokens per minute, tokens per 5 hours and per week). Measured on an empty minute window and on one
 * already holding many charges (a busy key), since counting the minute's requests must not grow with them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/database.js";
import { createSqliteRateBuckets } from "../../src/store/rate-bucket-sqlite.js";
import type { BucketLimits } from "../../src/store/rate-bucket-store.js";
import { summarize, type Summary } from "./stats.js";
import { KEY_LIMITS } from "./targets.js";

export interface BucketRow {
  /** Charges already in the minute window when timing starts. */
  chargesInWindow: number;
  samples: number;
  reserve: Summary;
  settle: Summary;
  total: Summary;
}

export interface BucketResult {
  limits: BucketLimits;
  rows: BucketRow[];
}

const SAMPLES = 3000;
const FILLS = [0, 20_000];

export async function measureBucket(log: (line: string) => void): Promise<BucketResult> {
  const limits: BucketLimits = { requestsPerMinute: KEY_LIMITS.rpm, tokensPerMinute: KEY_LIMITS.tpm, tokensPer5Hours: KEY_LIMITS.tokens5h, tokensPerWeek: KEY_LIMITS.tokensWeek };
  const rows: BucketRow[] = [];
  for (const fill of FILLS) {
    const dir = mkdtempSync(join(tmpdir(), "spark-bench-bucket-"));
    const db = openDatabase(join(dir, "spark.db"));
    db.pragma("synchronous = NORMAL");
    try {
      const store = createSqliteRateBuckets(db);
      const request = { key: "bench", family: "standard", tokens: 40, limits };
      for (let i = 0; i < fill; i++) {
        const result = await store.reserve(request);
        if (result.ok) await store.settle(result.reservationId, 30);
      }
      const reserve: number[] = [];
      const settle: number[] = [];
      const total: number[] = [];
      for (let i = 0; i < SAMPLES + 200; i++) {
        const started = performance.now();
        const result = await store.reserve(request);
        const reserved = performance.now();
        if (!result.ok) throw new Error(`the bucket refused a benchmark request (${result.window})`);
        await store.settle(result.reservationId, 30);
        const settled = performance.now();
        if (i < 200) continue; // warm-up
        reserve.push(reserved - started);
        settle.push(settled - reserved);
        total.push(settled - started);
      }
      const row = { chargesInWindow: fill, samples: SAMPLES, reserve: summarize(reserve), settle: summarize(settle), total: summarize(total) };
      log(`  ${fill} charges in the window: reserve + settle p50 ${row.total.p50} ms, p99 ${row.total.p99} ms`);
      rows.push(row);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { limits, rows };
}
