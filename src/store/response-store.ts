import type { Database } from "better-sqlite3";
import { systemClock, type StoreClock } from "./store-clock.js";

/**
 * Responses kept for `previous_response_id` (the Responses API's `store: true`): each one's conversation
 * up to and including it, as the gateway serializes it, owned by the API key that made it ("anonymous"
 * without keys). Every read names the owner, so a key can never continue another key's conversation: an id
 * of another key reads as unknown. Bounded per owner by count and bytes (the oldest go first) and for
 * everyone by age (an expired response is deleted on the next write and never read).
 */

export interface ResponseStoreLimits {
  /** Responses one owner keeps. */
  maxResponses: number;
  /** Bytes of conversation one owner keeps in all; one response larger than this is not kept. */
  maxBytes: number;
  /** How long a response can be continued, in ms. */
  ttlMs: number;
}

/** OpenAI keeps stored responses 30 days; one key keeps at most 1,000 of them and 64 MiB. */
export const DEFAULT_RESPONSE_STORE_LIMITS: ResponseStoreLimits = { maxResponses: 1_000, maxBytes: 64 * 1024 * 1024, ttlMs: 30 * 24 * 60 * 60 * 1000 };

export interface ResponseStore {
  /** Keeps a response; false when it alone is larger than an owner's byte budget (then it is not kept). */
  put(owner: string, id: string, conversation: string): boolean;
  /** The conversation of this owner's response, undefined when unknown, expired, dropped or another owner's. */
  get(owner: string, id: string): string | undefined;
  /** What one owner keeps now. */
  totals(owner: string): { responses: number; bytes: number };
}

export function createResponseStore(db: Database, limits: ResponseStoreLimits = DEFAULT_RESPONSE_STORE_LIMITS, clock: StoreClock = systemClock): ResponseStore {
  const insert = db.prepare("INSERT OR REPLACE INTO stored_responses (owner, id, conversation, bytes, created_at) VALUES (?, ?, ?, ?, ?)");
  const selectOne = db.prepare("SELECT conversation FROM stored_responses WHERE owner = ? AND id = ? AND created_at > ?");
  const selectTotals = db.prepare("SELECT COUNT(*) AS responses, COALESCE(SUM(bytes), 0) AS bytes FROM stored_responses WHERE owner = ?");
  const selectOldest = db.prepare("SELECT id, bytes FROM stored_responses WHERE owner = ? AND id <> ? ORDER BY created_at, rowid LIMIT ?");
  const deleteOne = db.prepare("DELETE FROM stored_responses WHERE owner = ? AND id = ?");
  const deleteExpired = db.prepare("DELETE FROM stored_responses WHERE created_at <= ?");

  const totals = (owner: string) => selectTotals.get(owner) as { responses: number; bytes: number };

  const put = db.transaction((owner: string, id: string, conversation: string): boolean => {
    const now = clock.now().getTime();
    deleteExpired.run(now - limits.ttlMs);
    const bytes = Buffer.byteLength(conversation, "utf8");
    if (bytes > limits.maxBytes) return false;
    insert.run(owner, id, conversation, bytes, now);
    let { responses, bytes: total } = totals(owner);
    if (responses <= limits.maxResponses && total <= limits.maxBytes) return true;
    // At most every other row goes: read them first (better-sqlite3 cannot delete while a read is open).
    for (const row of selectOldest.all(owner, id, responses) as { id: string; bytes: number }[]) {
      if (responses <= limits.maxResponses && total <= limits.maxBytes) break;
      deleteOne.run(owner, row.id);
      responses -= 1;
      total -= row.bytes;
    }
    return true;
  });

  return {
    // IMMEDIATE: the write lock is taken before the totals are read, so two gateways cannot both pass the quota.
    put: (owner, id, conversation) => put.immediate(owner, id, conversation),
    get: (owner, id) => (selectOne.get(owner, id, clock.now().getTime() - limits.ttlMs) as { conversation: string } | undefined)?.conversation,
    totals,
  };
}
