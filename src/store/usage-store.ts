import type { Database } from "better-sqlite3";
import { systemClock, type StoreClock } from "./store-clock.js";
import { camelFields } from "./row-fields.js";

/** One gateway request as it was charged: what was reserved, what was really used, and how it ended. */
export interface UsageRecord {
  /** The API key's id ("anonymous" without keys); never the secret. */
  keyId: string;
  keyName: string;
  family: string;
  model: string;
  route: string;
  status: number;
  /** stop | length | tool-calls | abort | error | rejected */
  finish: string;
  inputTokens: number;
  outputTokens: number;
  reservedTokens: number;
  ttftMs: number | null;
  durationMs: number;
}

export interface UsageTotals {
  keyId: string;
  keyName: string;
  family: string;
  model: string;
  requests: number;
  aborted: number;
  inputTokens: number;
  outputTokens: number;
}

export interface StoredUsageRecord extends UsageRecord {
  id: number;
  /** ISO 8601. */
  at: string;
}

export interface UsageStore {
  record(entry: UsageRecord): void;
  /** Totals per key, family and model since `since` (ISO 8601), optionally for one key id. */
  totals(options: { since: string; keyId?: string }): UsageTotals[];
  /** The latest records, newest first. */
  recent(options: { limit: number; keyId?: string }): StoredUsageRecord[];
}

interface RecordRow {
  id: number;
  at: string;
  key_id: string;
  key_name: string;
  family: string;
  model: string;
  route: string;
  status: number;
  finish: string;
  input_tokens: number;
  output_tokens: number;
  reserved_tokens: number;
  ttft_ms: number | null;
  duration_ms: number;
}

function toRecord(row: RecordRow): StoredUsageRecord {
  return camelFields(row, ["id", "at", "key_id", "key_name", "family", "model", "route", "status", "finish", "input_tokens", "output_tokens", "reserved_tokens", "ttft_ms", "duration_ms"]);
}

export function createUsageStore(db: Database, clock: StoreClock = systemClock): UsageStore {
  const insert = db.prepare(`
    INSERT INTO usage_records (at, key_id, key_name, family, model, route, status, finish, input_tokens, output_tokens, reserved_tokens, ttft_ms, duration_ms)
    VALUES (@at, @keyId, @keyName, @family, @model, @route, @status, @finish, @inputTokens, @outputTokens, @reservedTokens, @ttftMs, @durationMs)`);
  const totalsSql = (filtered: boolean) => `
    SELECT key_id AS keyId, MAX(key_name) AS keyName, family, model, COUNT(*) AS requests,
           SUM(finish = 'abort') AS aborted, SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens
    FROM usage_records WHERE at >= ?${filtered ? " AND key_id = ?" : ""}
    GROUP BY key_id, family, model ORDER BY keyName, family, model`;
  const totalsAll = db.prepare(totalsSql(false));
  const totalsForKey = db.prepare(totalsSql(true));
  const recentAll = db.prepare("SELECT * FROM usage_records ORDER BY id DESC LIMIT ?");
  const recentForKey = db.prepare("SELECT * FROM usage_records WHERE key_id = ? ORDER BY id DESC LIMIT ?");

  return {
    record: (entry) => void insert.run({ ...entry, at: clock.now().toISOString() }),
    totals: ({ since, keyId }) => (keyId === undefined ? totalsAll.all(since) : totalsForKey.all(since, keyId)) as UsageTotals[],
    recent: ({ limit, keyId }) => ((keyId === undefined ? recentAll.all(limit) : recentForKey.all(keyId, limit)) as RecordRow[]).map(toRecord),
  };
}
