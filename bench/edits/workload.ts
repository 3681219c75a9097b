import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { applyPatch } from "../../src/edits/index.js";
import { DRIFT_KINDS, type ExpectedOutcome, type PatchCase } from "./corpus-types.js";
import { generateCorpus } from "./patch-corpus.js";
import { applyExactBaseline } from "./exact-baseline.js";
import { MemoryPatchFs } from "./memory-fs.js";
import { applyCaseOnDisk, outcomeOf } from "./apply-case.js";
import { type FormatRow, formatRowsMarkdown, runFormatRows } from "./format-workload.js";

/**
 * The `edits` workload: the generated patch corpus through Spark's applyPatch and through the exact-match
 * baseline. A case counts as correct when the files end up exactly as expected and the same hunks were
 * applied or refused (the refusal code is not compared: a strict applier that refuses is doing its job).
 * Apply time per patch: Spark on an in-memory file system (the engine itself), Spark on disk (temp dir,
 * atomic writes with fsync: what a user waits for) and the baseline (in memory).
 */

export interface EditsOptions {
  cases: number;
  seed: number;
  /** Wall-clock budget for the timed passes, in seconds (the correctness pass always completes). */
  timeBudgetS: number;
}

export const EDITS_DEFAULTS: EditsOptions = { cases: 1000, seed: 20_260_611, timeBudgetS: 120 };

interface Row {
  group: string;
  cases: number;
  /** Cases whose expected outcome refuses at least one hunk or the whole patch. */
  expectRefusal: number;
  spark: number;
  baseline: number;
}

interface Timing {
  applier: string;
  samples: number;
  medianMs: number;
  p95Ms: number;
}

export interface EditsResult {
  corpus: { cases: number; seed: number };
  rows: Row[];
  timing: Timing[];
  /** Cases where Spark on disk and Spark in memory disagreed (should be 0). */
  diskMemoryMismatches: number;
  sparkFailures: Array<{ id: string; drift: string; variant: string; format: string }>;
  /** Unified diffs and string replacements against git apply, patch -p1 and str.replace. */
  formatRows: FormatRow[];
}

/** Cases per drift kind and format in the unified-diff and string-replacement rows. */
const FORMAT_CASES_PER_KIND = 40;

/** Only what the metric compares: files, parse refusal, and per hunk applied or not. */
function verdict(outcome: ExpectedOutcome): unknown {
  return {
    parseError: outcome.parseError,
    files: outcome.files,
    hunks: outcome.operations.map((op) => [op.status === "failed" ? "failed" : "done", op.hunks.map((h) => h === "applied")]),
  };
}

const MEMORY_ROOT = "/workspace";

async function sparkInMemory(c: PatchCase): Promise<{ ms: number; outcome: ExpectedOutcome }> {
  const fs = new MemoryPatchFs(MEMORY_ROOT, c.files);
  const start = performance.now();
  const report = await applyPatch(c.patch, { workspace: MEMORY_ROOT, fs });
  const ms = performance.now() - start;
  return { ms, outcome: outcomeOf(report, fs.snapshot(MEMORY_ROOT)) };
}

function baseline(c: PatchCase): { ms: number; outcome: ExpectedOutcome } {
  const start = performance.now();
  const outcome = applyExactBaseline(c.patch, c.files);
  return { ms: performance.now() - start, outcome };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

function timing(applier: string, samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return { applier, samples: sorted.length, medianMs: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95) };
}

export async function runEdits(options: EditsOptions, log: (line: string) => void): Promise<EditsResult> {
  const corpus = generateCorpus(options.cases, options.seed);
  log(`edits: ${corpus.length} generated cases (seed ${options.seed})`);
  const root = await mkdtemp(join(tmpdir(), "spark-bench-edits-"));
  const sparkOk = new Map<string, boolean>();
  const baselineOk = new Map<string, boolean>();
  const samples = { memory: [] as number[], disk: [] as number[], baseline: [] as number[] };
  let mismatches = 0;
  try {
    // Pass 1 (also a warm-up): correctness of all three, one disk timing per case.
    for (const [index, c] of corpus.entries()) {
      const want = verdict(c.expected);
      const memory = await sparkInMemory(c);
      const disk = await applyCaseOnDisk(c, root, index);
      const strict = baseline(c);
      samples.disk.push(disk.ms);
      sparkOk.set(c.id, isDeepStrictEqual(verdict(disk.outcome), want));
      baselineOk.set(c.id, isDeepStrictEqual(verdict(strict.outcome), want));
      if (!isDeepStrictEqual(memory.outcome, disk.outcome)) mismatches++;
    }
    // Timed passes in memory, bounded by count and by the time budget.
    const deadline = performance.now() + options.timeBudgetS * 1000;
    for (let pass = 0; pass < 5 && performance.now() < deadline; pass++) {
      for (const c of corpus) {
        samples.memory.push((await sparkInMemory(c)).ms);
        samples.baseline.push(baseline(c).ms);
        if (performance.now() >= deadline) break;
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const row = (group: string, cases: readonly PatchCase[]): Row => ({
    group,
    cases: cases.length,
    expectRefusal: cases.filter((c) => c.expected.status !== "applied").length,
    spark: cases.filter((c) => sparkOk.get(c.id) === true).length,
    baseline: cases.filter((c) => baselineOk.get(c.id) === true).length,
  });
  const rows = [
    ...DRIFT_KINDS.map((kind) => row(kind, corpus.filter((c) => c.drift === kind))),
    row("format: codex", corpus.filter((c) => c.format === "codex")),
    row("format: search-replace", corpus.filter((c) => c.format === "search-replace")),
    row("all", corpus),
  ];
  return {
    corpus: { cases: corpus.length, seed: options.seed },
    rows,
    timing: [timing("Spark (in-memory fs)", samples.memory), timing("Spark (disk: atomic write + fsync)", samples.disk), timing("exact-match baseline (in memory)", samples.baseline)],
    diskMemoryMismatches: mismatches,
    sparkFailures: corpus.filter((c) => sparkOk.get(c.id) !== true).map((c) => ({ id: c.id, drift: c.drift, variant: c.variant, format: c.format })),
    formatRows: await runFormatRows(FORMAT_CASES_PER_KIND, options.seed, log),
  };
}

const pct = (n: number, of: number): string => (of === 0 ? "-" : `${((100 * n) / of).toFixed(1)}%`);

function duration(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
}

export function editsMarkdown(result: EditsResult): string {
  const lines = [
    `Corpus: ${result.corpus.cases} generated cases (seed ${result.corpus.seed}). Correct = files exactly as expected and the same hunks applied/refused.`,
    "",
    "| Drift kind | Cases | Expect a refusal | Spark correct | Baseline correct |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...result.rows.map((r) => `| ${r.group} | ${r.cases} | ${r.expectRefusal} | ${pct(r.spark, r.cases)} (${r.spark}) | ${pct(r.baseline, r.cases)} (${r.baseline}) |`),
    "",
    "| Apply time per patch | Samples | Median | p95 |",
    "| --- | ---: | ---: | ---: |",
    ...result.timing.map((t) => `| ${t.applier} | ${t.samples} | ${duration(t.medianMs)} | ${duration(t.p95Ms)} |`),
  ];
  if (result.sparkFailures.length > 0) {
    const shown = result.sparkFailures.slice(0, 20).map((f) => `${f.id} (${f.variant}, ${f.format})`);
    const more = result.sparkFailures.length > shown.length ? `; and ${result.sparkFailures.length - shown.length} more` : "";
    lines.push("", `Spark's ${result.sparkFailures.length} incorrect cases: ${shown.join("; ")}${more}`);
  }
  lines.push("", formatRowsMarkdown(result.formatRows).trimEnd());
  if (result.diskMemoryMismatches > 0) lines.push("", `Warning: ${result.diskMemoryMismatches} cases differed between disk and in-memory runs.`);
  return `${lines.join("\n")}\n`;
}
