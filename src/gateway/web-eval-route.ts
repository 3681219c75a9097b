import type { FastifyInstance } from "fastify";
import { formatEvalChart, parseEvalReport } from "../eval/index.js";
import type { Database } from "../store/index.js";
import { createEvalReportStore } from "../store/index.js";
import type { Authenticator } from "./authenticate.js";
import { GatewayError } from "./openai-error.js";

/** The chart is drawn by Spark from numbers and escaped names; as a document it may still run nothing. */
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/**
 * The latest `spark eval` report for the results page (/eval.html): GET /v1/spark/eval gives its rows
 * and paired differences, GET /v1/spark/eval/chart.svg its speed-against-pass-rate chart. Both need a key
 * (when the gateway has keys) and read only Spark's database, where `spark eval` records each run: no
 * path ever comes from the request.
 */
export function registerWebEvalRoute(app: FastifyInstance, auth: Authenticator, db: Database): void {
  const reports = createEvalReportStore(db);
  const latest = () => {
    const stored = reports.latest();
    if (!stored) throw new GatewayError(404, "No eval results yet: run `spark eval` (for example `spark eval --suite PATH --configs fast,strong`) on this machine, then reload.", "eval_results_not_found");
    const report = parseEvalReport(stored.report);
    if (!report) throw new GatewayError(500, `The stored eval report ${stored.id} cannot be read (written by another version of Spark?): run \`spark eval\` again.`, "eval_report_unreadable");
    return { id: stored.id, createdAt: stored.createdAt, report };
  };
  app.get("/v1/spark/eval", async (request) => {
    auth.authenticate(request.raw);
    const { id, createdAt, report } = latest();
    return { object: "eval_report", id, created_at: createdAt, suite: report.suite, layout: report.layout, configurations: report.configurations, comparisons: report.comparisons };
  });
  app.get("/v1/spark/eval/chart.svg", async (request, reply) => {
    auth.authenticate(request.raw);
    const { report } = latest();
    return reply
      .type("image/svg+xml; charset=utf-8")
      .headers({ "content-security-policy": SVG_CSP, "x-content-type-options": "nosniff", "cache-control": "no-store" })
      .send(formatEvalChart(report.configurations));
  });
}
