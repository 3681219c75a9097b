import { isDeepStrictEqual } from "node:util";
import { formatBenchTable, runCall, type BenchRow } from "../../src/model-bench/index.js";
import { guardLazyMerge, lazyMergeRequest, mergeLazyEdit, parseLazySnippet } from "../../src/edits/index.js";
import { defaultThreads, LocalEngine, LocalModelClient } from "../../src/models/providers/local/index.js";
import { CHAIN_TEXT, ensureChainModel } from "../../test/support/tiny-gguf.js";
import { generateLazyCorpus, seededRandom, type LazyCase } from "./lazy-corpus.js";
import { modelMergeRow } from "./lazy-model-row.js";

/**
 * Lazy edits: the deterministic merge over a corpus of real files (share merged alone, wrong merges),
 * the guard against merges that change code outside the snippet (every hostile variant must be refused),
 * and fast apply on the chain test model: the merge with the old file as prediction against plain
 * decoding of the same request.
 */

export interface LazyEditsResult {
  cases: number;
  seed: number;
  deterministic: { merged: number; correct: number; wrong: number; refused: number; guardRejectedCorrect: number };
  hostile: { variants: number; refused: number };
  model: string;
  threads: number;
  rows: BenchRow[];
  modelMerge: { accepted: boolean; acceptanceRate: number | null };
}

export async function runLazyEdits(options: { cases: number; seed: number }, log: (line: string) => void): Promise<LazyEditsResult> {
  log(`edits-lazy: deterministic merge and guard over ${options.cases} cases`);
  const corpus = generateLazyCorpus(options.cases, options.seed);
  const deterministic = { merged: 0, correct: 0, wrong: 0, refused: 0, guardRejectedCorrect: 0 };
  const hostile = { variants: 0, refused: 0 };
  const random = seededRandom(options.seed + 1);
  for (const item of corpus) {
    const snippet = parseLazySnippet(item.snippet);
    const result = mergeLazyEdit(item.old, snippet);
    if (!result.ok) deterministic.refused++;
    else if (isDeepStrictEqual(result.lines, item.expected)) deterministic.correct++;
    else deterministic.wrong++;
    if (result.ok) deterministic.merged++;
    if (!guardLazyMerge(item.old, item.expected, snippet).ok) deterministic.guardRejectedCorrect++;
    for (const variant of hostileVariants(item, random)) {
      hostile.variants++;
      if (!guardLazyMerge(item.old, variant, snippet).ok) hostile.refused++;
    }
  }
  log("edits-lazy: model merge on the chain test model");
  const model = await modelMerge(log);
  return { cases: options.cases, seed: options.seed, deterministic, hostile, ...model };
}

/** The right merge with one line outside the snippet's windows edited, one dropped, one added. */
function hostileVariants(item: LazyCase, random: () => number): string[][] {
  const outside = item.expected.flatMap((_, index) => (item.shown.some(([a, b]) => index >= a && index < b) ? [] : [index]));
  const at = outside[Math.floor(random() * outside.length)];
  if (at === undefined) return [];
  const edited = item.expected.map((line, index) => (index === at ? `${line} // changed` : line));
  const dropped = item.expected.filter((_, index) => index !== at || item.expected[at]?.trim() === "");
  const added = [...item.expected.slice(0, at), "process.exit(1);", ...item.expected.slice(at)];
  return [edited, ...(dropped.length < item.expected.length ? [dropped] : []), added];
}

async function modelMerge(log: (line: string) => void): Promise<Pick<LazyEditsResult, "model" | "threads" | "rows" | "modelMerge">> {
  const target = await ensureChainModel({ wide: true });
  const threads = defaultThreads();
  const engine = new LocalEngine({ threads, gpu: false, sequences: 2 });
  const options = { contextSize: 4096 };
  const plain = new LocalModelClient(engine, target, "chain-wide", { ...options, speculation: false });
  const fast = new LocalModelClient(engine, target, "chain-wide", options);
  try {
    await runCall(plain, { messages: [{ role: "user", content: "warm up" }], maxTokens: 8, temperature: 0 });
    const copies = 7;
    const merged = Array.from({ length: copies }, () => CHAIN_TEXT).join("");
    const { row, accepted, acceptanceRate } = await modelMergeRow({ plain, fast, merged, tokens: 59 * copies, request: lazyMergeRequest, log });
    return { model: "chain-wide.gguf (test model, 512 wide, 8 blocks, F32)", threads, rows: [row], modelMerge: { accepted, acceptanceRate } };
  } finally {
    await engine.dispose();
  }
}

const percent = (part: number, whole: number): string => (whole === 0 ? "n/a" : `${((100 * part) / whole).toFixed(1)}%`);

export function lazyEditsMarkdown(result: LazyEditsResult): string {
  const d = result.deterministic;
  return [
    `Corpus: ${result.cases} lazy edits (seed ${result.seed}) of this repository's src/edits/*.ts files, 1-3 changed places each, 1-3 context lines, \`// ... existing code ...\` between.`,
    "",
    "| lazy edit | cases | merged alone | correct | wrong place | left to the model (refused) |",
    "| --- | --- | --- | --- | --- | --- |",
    `| deterministic merge | ${result.cases} | ${percent(d.merged, result.cases)} | ${d.correct} | ${d.wrong} | ${d.refused} |`,
    "",
    "| guard | merges checked | refused |",
    "| --- | --- | --- |",
    `| right merges (must pass) | ${result.cases} | ${d.guardRejectedCorrect} |`,
    `| hostile merges: a line outside the snippet's regions edited, dropped or added (must be refused) | ${result.hostile.variants} | ${result.hostile.refused} (${percent(result.hostile.refused, result.hostile.variants)}) |`,
    "",
    `Fast apply: model merge on ${result.model}, ${result.threads} thread(s); merge accepted by the guard: ${result.modelMerge.accepted ? "yes" : "NO"}; prediction acceptance rate ${result.modelMerge.acceptanceRate === null ? "n/a" : `${(100 * result.modelMerge.acceptanceRate).toFixed(1)}%`}.`,
    "Greedy decoding of this constructed test model follows a known text, so the old file's tokens are accepted: the speed-up is a check of the mechanism on this machine, not a claim about real models.",
    "",
    formatBenchTable(result.rows),
  ].join("\n");
}
