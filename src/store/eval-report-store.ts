import type { Database } from "better-sqlite3";
import { systemClock, type StoreClock } from "./store-clock.js";

/**
 * The reports `spark eval` wrote (eval.json's text), newest last, for the page `spark serve` shows. Only
 * the latest few are kept: a report of a large suite holds every task's result, and the page shows the
 * latest one.
 */

export const EVAL_REPORTS_KEPT = 20;

export interface StoredEvalReport {
  id: number;
  suite: string;
  /** eval.json's text, as the eval wrote it. */
  report: string;
  createdAt: string;
}

export interface EvalReportStore {
  /** Keeps a report (dropping the oldest beyond EVAL_REPORTS_KEPT); returns its id. */
  add(suite: string, report: string): number;
  latest(): StoredEvalReport | undefined;
}

export function createEvalReportStore(db: Database, clock: StoreClock = systemClock): EvalReportStore {
  const insert = db.prepare("INSERT INTO eval_reports (suite, report, created_at) VALUES (?, ?, ?)");
  const prune = db.prepare("DELETE FROM eval_reports WHERE id <= (SELECT id FROM eval_reports ORDER BY id DESC LIMIT 1 OFFSET ?)");
  const selectLatest = db.prepare("SELECT id, suite, report, created_at AS createdAt FROM eval_reports ORDER BY id DESC LIMIT 1");
  const add = db.transaction((suite: string, report: string): number => {
    const id = Number(insert.run(suite, report, clock.now().toISOString()).lastInsertRowid);
    prune.run(EVAL_REPORTS_KEPT);
    return id;
  });
  return {
    add: (suite, report) => add(suite, report),
    latest: () => selectLatest.get() as StoredEvalReport | undefined,
  };
}
