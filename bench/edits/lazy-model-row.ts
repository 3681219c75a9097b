import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCall, type BenchRow } from "../../src/model-bench/index.js";
import type { ModelRequest } from "../../src/core/index.js";
import { applyLazyEdit } from "../../src/edits/index.js";
import type { ModelClient } from "../../src/models/index.js";

export interface ModelMergeRowOptions {
  /** The same model without speculation, and with it. */
  plain: ModelClient;
  fast: ModelClient;
  /** The right merge: what the chain model writes. */
  merged: string;
  /** Its length in tokens, the merge's token limit (the chain model never stops by itself). */
  tokens: number;
  request: (path: string, oldText: string, snippet: string) => ModelRequest;
  log: (line: string) => void;
}

const SNIPPET = "// ... existing code ...\n    return hit;\n  }\n}";

/**
 * One lazy edit merged by the model (forced, as `--merge-model` does) with the old file as prediction,
 * through applyLazyEdit and its guard, against plain decoding of the same request without prediction.
 * The old file differs from the merge in its last `return hit;` line, which the snippet changes.
 */
export async function modelMergeRow(options: ModelMergeRowOptions): Promise<{ row: BenchRow; accepted: boolean; acceptanceRate: number | null }> {
  const at = options.merged.lastIndexOf("    return hit;");
  const old = `${options.merged.slice(0, at)}    return miss;${options.merged.slice(at + "    return hit;".length)}`;
  const ws = await mkdtemp(join(tmpdir(), "spark-bench-lazy-"));
  try {
    await writeFile(join(ws, "chain.ts"), old);
    options.log("edits-lazy: plain decoding of the merge");
    const { prediction: _prediction, ...request } = options.request("chain.ts", old, SNIPPET);
    const plain = await runCall(options.plain, { ...request, maxTokens: options.tokens });
    options.log("edits-lazy: merge with the old file as prediction");
    const report = await applyLazyEdit("chain.ts", SNIPPET, { workspace: ws, mergeModel: options.fast, forceModel: true, maxTokens: options.tokens });
    const written = await readFile(join(ws, "chain.ts"), "utf8");
    const metrics = report.merge.metrics;
    const plainRate = plain.metrics.decodeTokensPerSecond;
    const leverRate = metrics?.decodeTokensPerSecond ?? null;
    const drafted = (metrics?.draftTokensAccepted ?? 0) + (metrics?.draftTokensRejected ?? 0);
    const row: BenchRow = {
      workload: "lazy edit, model merge",
      lever: "prediction = old file",
      plainTokensPerSecond: plainRate,
      leverTokensPerSecond: leverRate,
      plainTtftMs: plain.metrics.ttftMs,
      leverTtftMs: metrics?.ttftMs ?? null,
      speedup: plainRate && leverRate ? leverRate / plainRate : null,
      draftAccepted: metrics?.draftTokensAccepted ?? 0,
      draftRejected: metrics?.draftTokensRejected ?? 0,
      identical: plain.text === options.merged && written === options.merged,
      note: `${options.tokens}-token file; merge ${report.status} by the guard; the merge call's TTFT reuses the prompt the plain call left in the cache`,
    };
    return { row, accepted: report.status === "applied", acceptanceRate: drafted === 0 ? null : (metrics?.draftTokensAccepted ?? 0) / drafted };
  } finally {
    await rm(ws, { recursive: true, force: true });
  }
}
