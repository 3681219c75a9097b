/** One comparison: a speed lever against plain decoding of the same model, in the same run. */
export interface BenchRow {
  workload: string;
  lever: string;
  /** Decode tokens/s of plain decoding and with the lever. */
  plainTokensPerSecond: number | null;
  leverTokensPerSecond: number | null;
  plainTtftMs: number | null;
  leverTtftMs: number | null;
  /** lever / plain decode speed (or, for cache workloads, cold TTFT / warm TTFT). */
  speedup: number | null;
  draftAccepted: number;
  draftRejected: number;
  /** Prompt tokens evaluated by the lever's call (cache workloads: only the new tokens). */
  promptTokensEvaluated?: number;
  /** Greedy outputs byte-identical with and without the lever (undefined where not comparable). */
  identical?: boolean;
  note?: string;
}

const fixed = (value: number | null, digits = 0) => (value === null ? "n/a" : value.toFixed(digits));

/** `rateDigits`: decimals of the tokens/s columns (default 0; slow models need 1 to tell rows apart). */
export function formatBenchTable(rows: readonly BenchRow[], rateDigits = 0): string {
  const header = "| workload | lever | plain tok/s | lever tok/s | speed-up | TTFT plain ms | TTFT lever ms | drafts accepted/rejected | prompt tokens evaluated | identical | note |";
  const lines = rows.map(
    (row) =>
      `| ${row.workload} | ${row.lever} | ${fixed(row.plainTokensPerSecond, rateDigits)} | ${fixed(row.leverTokensPerSecond, rateDigits)} | ${row.speedup === null ? "n/a" : `${row.speedup.toFixed(2)}x`} | ${fixed(row.plainTtftMs, 1)} | ${fixed(row.leverTtftMs, 1)} | ${row.draftAccepted}/${row.draftRejected} | ${row.promptTokensEvaluated ?? ""} | ${row.identical === undefined ? "" : row.identical ? "yes" : "NO"} | ${row.note ?? ""} |`,
  );
  return [header, header.replace(/[^|]+/g, " --- "), ...lines].join("\n");
}
