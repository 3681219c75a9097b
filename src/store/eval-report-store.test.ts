import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./database.js";
import { createEvalReportStore, EVAL_REPORTS_KEPT } from "./eval-report-store.js";

let db: Database;
beforeEach(() => (db = openDatabase(":memory:")));
afterEach(() => db.close());

describe("EvalReportStore", () => {
  it("gives back the latest report and keeps only the latest EVAL_REPORTS_KEPT", () => {
    const store = createEvalReportStore(db, { now: () => new Date(Date.UTC(2026, 11, 7)) });
    expect(store.latest()).toBeUndefined();
    for (let index = 1; index <= EVAL_REPORTS_KEPT + 5; index++) store.add(`suite-${index}`, `{"n":${index}}`);
    expect(store.latest()).toEqual({ id: EVAL_REPORTS_KEPT + 5, suite: `suite-${EVAL_REPORTS_KEPT + 5}`, report: `{"n":${EVAL_REPORTS_KEPT + 5}}`, createdAt: "2026-12-07T00:00:00.000Z" });
    const ids = (db.prepare("SELECT id FROM eval_reports ORDER BY id").all() as { id: number }[]).map((row) => row.id);
    expect(ids).toEqual(Array.from({ length: EVAL_REPORTS_KEPT }, (_, index) => index + 6));
  });
});
