/**
 * `npm run bench -- speed --shape qwen2.5-coder-1.5b [--quant q8_0|q4_0|q4_k|q4_k_m] [--threads 1,2] [--max-tokens N] [--gpu cuda]`
 *
 * The speed levers on a chain model of a real model's shape (test/support/gguf-shapes.ts: Qwen2.5-Coder-1.5B's
 * sizes and quantization, constructed weights whose greedy decoding follows CHAIN_TEXT), with the 0.5B-shaped
 * model of the same vocabulary as draft model: plain decoding, prediction, a useless prediction, prompt
 * lookup and the draft model, per thread count, each against plain decoding in the same run on the same
 * model. On the CPU each thread count also gets this machine's measured read bandwidth (bandwidth.ts) and
 * how close plain decoding comes to the bound it sets: tokens/s x bytes read per token / bandwidth; and
 * what verifying a draft costs per batch size (verify-cost.ts), which caps what speculation can reach.
 * `--cases N` runs each comparison N times, plain and lever in turn (rows show the median call; the speed-up is
 * the median of each round's lever/plain ratio, its spread in the note).
 * The rewrite rows (what the speculative-edit target is judged on) rewrite a file of rewriteCopies() copies of
 * the chain text, `--max-tokens` (default 128) tokens per call: real rewrites are hundreds of tokens, and a
 * 32-token call spends most of its time ramping its drafts up. The "continue" rows stay short (32 tokens, one copy).
 * With `--gpu cuda` the engine runs on node-llama-cpp's CUDA build (refused, saying why, when that build or
 * a GPU is missing); the CPU bandwidth bound does not apply there.
 */
import { availableParallelism, loadavg } from "node:os";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { formatBenchTable, speculationRows, type BenchRow } from "../../src/model-bench/index.js";
import { defaultThreads, LocalEngine, LocalModelClient } from "../../src/models/providers/local/index.js";
import { CHAIN_TEXT } from "../../test/support/chain-text.js";
import { DRAFT_SHAPE, ensureShapedModel, kvBytesPerContextToken, weightBytesPerToken, type ShapeName, type ShapeQuant } from "../../test/support/gguf-shapes.js";
import { measureReadBandwidth, type BandwidthResult } from "./bandwidth.js";
import { measureMatrixKernels, type MatrixKernelResult } from "./matrix-kernels.js";
import { measureStepProfile, stepProfileMarkdown, type StepProfileRow } from "./step-profile.js";
import { measureVerifyCost, verifyCostMarkdown, type VerifyCostRow } from "./verify-cost.js";

export interface RealShapeOptions {
  shape: ShapeName;
  quant: ShapeQuant;
  gpu: boolean;
  /** Thread counts to run (each a separate engine); default 1 and 2 on the CPU, the default count on a GPU. */
  threads: number[] | undefined;
  /** Tokens per rewrite call (prediction, useless prediction and their plain calls). */
  maxTokens: number;
  /** Calls per side of each comparison (rows show the median); batches per size for the verification table. */
  rounds: number;
}

/** Defaults: the figures the issue's targets are judged on, both thread counts in about 8 minutes on a quiet 2-core machine. */
export const REAL_SHAPE_DEFAULTS = { quant: "q8_0" as ShapeQuant, maxTokens: 128, rounds: 3 };
/** Tokens per "continue" call (prompt lookup, draft model): no target is judged on them, and the draft model is slow. */
const continueMaxTokens = 32;
/** Tokens in one copy of the chain text (3 copies: 177). */
const CHAIN_COPY_TOKENS = 59;
/** Copies of the chain text in the file the rewrite rows rewrite: more tokens than a rewrite call writes, at least 3. */
const rewriteCopies = (maxTokens: number): number => Math.max(3, Math.ceil(maxTokens / CHAIN_COPY_TOKENS) + 1);
/** Tokens timed per part of the step profile (each part in turn, token by token): ~10 s at 2 threads. */
const stepProfileTokens = 24;
/** Batches per size in the verification table: its medians need a few even when the levers run once. */
const minVerifyRounds = 3;

interface ThreadRun {
  threads: number;
  /** Read bandwidth measured just before this thread count's calls (CPU only). */
  bandwidth?: BandwidthResult;
  /** Every weight matrix of one token as one ggml graph, the engine's CPU kernels alone (CPU only). */
  matrixKernels?: MatrixKernelResult;
  rows: BenchRow[];
  /** Time to verify a batch of N tokens against one token (same engine settings). */
  verifyCost: VerifyCostRow[];
  /** One plain step's time by part: transformer, output layer and sampler, node-llama-cpp's loop (CPU only). */
  stepProfile?: StepProfileRow[];
  /** Plain decoding's tokens/s x bytes per token / bandwidth (best pass), per plain call. */
  plainOfBound?: number[];
  loadAverageBefore: number;
}

export interface RealShapeResult {
  model: string;
  draftModel: string;
  quant: ShapeQuant;
  backend: string;
  weightBytesPerToken: number;
  /** Weights and KV cache one plain step of a rewrite call reads: the bound's bytes. */
  bytesPerPlainToken: number;
  maxTokens: number;
  rounds: number;
  runs: ThreadRun[];
}

/** The CUDA build and a GPU must both be there: a silent fall-back to the CPU would mislabel every figure. */
async function checkCuda(): Promise<string> {
  const llama = await getLlama({ gpu: "cuda", build: "never", skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error }).catch((error: unknown) => {
    throw new Error(`--gpu cuda: node-llama-cpp's CUDA build could not start (${error instanceof Error ? error.message : String(error)}). ` +
      "It needs an NVIDIA GPU with its driver and the @node-llama-cpp/linux-x64-cuda package which `npm ci` leaves out: `npm run bench:cuda` adds it first.");
  });
  try {
    const names = await llama.getGpuDeviceNames();
    return `CUDA: ${names.join(", ") || "unnamed GPU"}`;
  } finally {
    await llama.dispose();
  }
}

/**
 * What a plain step of a rewrite call reads: the weights and the KV cache at the call's mean context (the
 * file's tokens, then half the answer; the chat template's few tokens left out).
 */
function bytesPerPlainToken(options: RealShapeOptions): number {
  const meanContext = rewriteCopies(options.maxTokens) * CHAIN_COPY_TOKENS + options.maxTokens / 2;
  return weightBytesPerToken({ shape: options.shape, quant: options.quant }) + kvBytesPerContextToken({ shape: options.shape }) * meanContext;
}

async function runThreads(options: RealShapeOptions, paths: { target: string; draft: string }, threads: number, log: (line: string) => void): Promise<ThreadRun> {
  const run: ThreadRun = { threads, rows: [], verifyCost: [], loadAverageBefore: loadavg()[0] as number };
  if (!options.gpu) {
    run.bandwidth = await measureReadBandwidth(threads);
    log(`speed --shape: ${threads} thread(s): read bandwidth ${(run.bandwidth.bestBytesPerSecond / 1e9).toFixed(2)} GB/s (best), ${(run.bandwidth.medianBytesPerSecond / 1e9).toFixed(2)} (median)`);
    run.matrixKernels = await measureMatrixKernels(options.shape, options.quant, threads);
    log(`speed --shape: ${threads} thread(s): matrix kernels alone ${run.matrixKernels.bestMs.toFixed(0)} ms per token (best)`);
  }
  if (!options.gpu) {
    log(`speed --shape: ${threads} thread(s): one plain step by part`);
    run.stepProfile = await measureStepProfile({ modelPath: paths.target, threads, text: CHAIN_TEXT.repeat(6), tokens: stepProfileTokens });
  }
  log(`speed --shape: ${threads} thread(s): verification cost per batch size`);
  run.verifyCost = await measureVerifyCost({ modelPath: paths.target, threads, gpu: options.gpu, text: CHAIN_TEXT.repeat(3), rounds: Math.max(minVerifyRounds, options.rounds) });
  const engine = new LocalEngine({ threads, gpu: options.gpu, sequences: 2 });
  const load = { contextSize: 2048 };
  const name = options.shape;
  const plain = new LocalModelClient(engine, paths.target, name, { ...load, speculation: false });
  const lookup = new LocalModelClient(engine, paths.target, name, load);
  const drafted = new LocalModelClient(engine, paths.target, name, { ...load, draftModelPath: paths.draft });
  try {
    const shared = { plain, source: CHAIN_TEXT.repeat(rewriteCopies(options.maxTokens)), maxTokens: options.maxTokens, continueMaxTokens: Math.min(continueMaxTokens, options.maxTokens), continueSource: CHAIN_TEXT, remote: false, rounds: options.rounds };
    log(`speed --shape: ${threads} thread(s): prediction, useless prediction, prompt lookup`);
    run.rows.push(...(await speculationRows({ ...shared, fast: lookup, defaultLever: "prompt lookup" })));
    log(`speed --shape: ${threads} thread(s): draft model`);
    run.rows.push(...(await speculationRows({ ...shared, fast: drafted, defaultLever: `draft model (${DRAFT_SHAPE[options.shape]} shape)`, workloads: ["continue"] })));
  } finally {
    await engine.dispose();
  }
  if (run.bandwidth) {
    const bytes = bytesPerPlainToken(options);
    const bandwidth = run.bandwidth.bestBytesPerSecond;
    run.plainOfBound = run.rows.flatMap((row) => (row.plainTokensPerSecond ? [(row.plainTokensPerSecond * bytes) / bandwidth] : []));
  }
  return run;
}

export async function runRealShapeSpeed(options: RealShapeOptions, log: (line: string) => void): Promise<RealShapeResult> {
  const backend = options.gpu ? await checkCuda() : "CPU";
  const started = performance.now();
  const target = await ensureShapedModel({ shape: options.shape, quant: options.quant });
  const draft = await ensureShapedModel({ shape: DRAFT_SHAPE[options.shape], quant: options.quant });
  log(`speed --shape: models ready in ${((performance.now() - started) / 1000).toFixed(1)} s: ${target}, ${draft}`);
  const runs: ThreadRun[] = [];
  for (const threads of options.threads ?? (options.gpu ? [defaultThreads()] : [1, 2])) runs.push(await runThreads(options, { target, draft }, threads, log));
  return {
    model: `${options.shape} shape, ${options.quant}`,
    draftModel: `${DRAFT_SHAPE[options.shape]} shape, ${options.quant}`,
    quant: options.quant,
    backend,
    weightBytesPerToken: weightBytesPerToken({ shape: options.shape, quant: options.quant }),
    bytesPerPlainToken: bytesPerPlainToken(options),
    maxTokens: options.maxTokens,
    rounds: options.rounds,
    runs,
  };
}

const gb = (bytes: number): string => (bytes / 1e9).toFixed(2);
const percent = (ratio: number): string => `${(ratio * 100).toFixed(0)}%`;

/** The issue's GPU target for the rewrite workload, on a model of the 1.5B class. */
const GPU_REWRITE_TARGET = 1200;

/** Where the issue's targets stand in one thread count's rows. */
function targets(run: ThreadRun, gpu: boolean): string[] {
  const find = (lever: string) => run.rows.find((row) => row.lever === lever);
  const edit = find("prediction = old file");
  const useless = find("useless prediction");
  const lines: string[] = [];
  if (edit?.speedup) {
    const drafted = edit.draftAccepted + edit.draftRejected;
    const acceptance = drafted > 0 ? edit.draftAccepted / drafted : 0;
    lines.push(`speculative edit ${edit.speedup.toFixed(2)}x plain at ${percent(acceptance)} acceptance (target >= 3x at >= 90%): ${edit.speedup >= 3 && acceptance >= 0.9 ? "met" : "not met"}`);
  }
  if (gpu && edit?.leverTokensPerSecond) {
    lines.push(`rewrite with prediction at ${edit.leverTokensPerSecond.toFixed(0)} tokens/s (GPU target >= ${GPU_REWRITE_TARGET}): ${edit.leverTokensPerSecond >= GPU_REWRITE_TARGET ? "met" : "not met"}`);
  }
  if (useless?.speedup) lines.push(`useless drafts ${useless.speedup.toFixed(2)}x plain (target never below 0.95x): ${useless.speedup >= 0.95 ? "met" : "not met"}`);
  if (run.plainOfBound && run.plainOfBound.length > 0) {
    const best = Math.max(...run.plainOfBound);
    lines.push(`plain decoding at ${run.plainOfBound.map(percent).join(", ")} of the bandwidth bound (target >= 80%): ${best >= 0.8 ? "met" : "not met"}`);
  }
  return lines;
}

/** The verification table and the most speculation could give at full acceptance with the best batch. */
function verifyCostSection(rows: readonly VerifyCostRow[]): string[] {
  const one = rows.find((row) => row.batch === 1);
  const best = rows.reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a));
  return [
    "Verifying a draft: a batch of N tokens evaluated with every token's next token sampled, as speculative decoding does (median of the rounds):",
    "",
    verifyCostMarkdown(rows),
    "",
    ...(one ? [`- At 100% acceptance speculation can reach at most ${(best.tokensPerSecond / one.tokensPerSecond).toFixed(2)}x one-token decoding here (batches of ${best.batch}), less each step's own work.`] : []),
  ];
}

/** The step profile, and the time a step would take at the read bandwidth (bytes of the whole step, output layer included). */
function stepProfileSection(rows: readonly StepProfileRow[], result: RealShapeResult, bandwidth: number): string[] {
  const boundMs = (result.bytesPerPlainToken / bandwidth) * 1000;
  const full = rows[1];
  return [
    "One plain step by part (bench/speed/step-profile.ts; token by token in turn, each part on its own context at the same position, 200 tokens in):",
    "",
    stepProfileMarkdown(rows),
    "",
    `- At the read bandwidth a whole step (${gb(result.bytesPerPlainToken)} GB) takes ${boundMs.toFixed(1)} ms${full ? `; the step with its output layer and sampler takes ${full.p25Ms.toFixed(1)} ms at p25 (${percent(boundMs / full.p25Ms)} of the bound)` : ""}. Three contexts taking turns step more slowly than one decoding alone (compare the plain rows below, the real rate): read the parts as shares of a step, not as its speed.`,
  ];
}

/** The kernels alone against the bound: what a decoding step could reach if nothing but its matrices cost. */
function matrixKernelLine(kernels: MatrixKernelResult, bandwidth: number): string {
  const rate = kernels.bytes / (kernels.bestMs / 1000);
  return `Matrix kernels alone (bench/speed/matrix-kernels.ts: every weight matrix of one token times one vector, one ggml graph on the engine's CPU backend, no attention, sampling or per-token work; ${kernels.bytes > 0 ? gb(kernels.bytes) : "?"} GB; Q4_0 not repacked as the engine repacks it): best ${kernels.bestMs.toFixed(0)} ms, median ${kernels.medianMs.toFixed(0)} ms per token = ${gb(rate)} GB/s, ${percent(rate / bandwidth)} of the read bandwidth: no decoding step on this CPU can come closer to the bound than its kernels.`;
}

export function realShapeMarkdown(result: RealShapeResult): string {
  const loaded = result.runs.some((run) => run.loadAverageBefore > availableParallelism());
  const out = [
    `Label: constructed weights, real shape, ${result.backend}${loaded ? ", loaded by parallel work (load average above the core count: figures are what was left to this run)" : ""}.`,
    "",
    `Model: constructed weights, real shape: ${result.model} (qwen2, 28 blocks, 1536 wide, GQA 12/2, FFN 8960, 151,936-token vocabulary); draft model: ${result.draftModel}; backend: ${result.backend}.`,
    `Greedy decoding follows a known text (test/support/chain-text.ts), so drafts from that text are accepted; the weights are not a trained model's, the shapes, types and bytes read per token are (${gb(result.weightBytesPerToken)} GB of weights per token; with the KV cache at a rewrite call's mean context ${gb(result.bytesPerPlainToken)} GB, the bound's bytes). ${result.maxTokens} tokens per rewrite call (a file of ${rewriteCopies(result.maxTokens)} copies of the text), ${Math.min(continueMaxTokens, result.maxTokens)} per continue call${result.rounds > 1 ? `; ${result.rounds} calls per side of each comparison, plain and lever in turn, each row showing the call with the median decode speed and the speed-up as the median of each round's lever/plain ratio` : ""}.`,
    "node-llama-cpp 3.21.1 sets llama.cpp's n_threads_batch to its `threads` (AddonContext.cpp), so batch threads (prefill, verifying drafts) cannot be set apart from decode threads: each row's thread count is both.",
    "",
  ];
  for (const run of result.runs) {
    out.push(`## ${run.threads} thread(s)`, "", `Load average (1 min) before: ${run.loadAverageBefore.toFixed(1)}.`);
    if (run.bandwidth) {
      const bound = run.bandwidth.bestBytesPerSecond / result.bytesPerPlainToken;
      out.push(`Read bandwidth (${run.threads} thread(s), memchr over ${run.bandwidth.bufferBytes >> 20} MiB each, ${run.bandwidth.passes} passes): best ${gb(run.bandwidth.bestBytesPerSecond)} GB/s, median ${gb(run.bandwidth.medianBytesPerSecond)} GB/s; bound on plain decoding: ${bound.toFixed(2)} tokens/s.`);
      if (run.matrixKernels) out.push("", matrixKernelLine(run.matrixKernels, run.bandwidth.bestBytesPerSecond));
    }
    if (run.stepProfile && run.bandwidth) out.push("", ...stepProfileSection(run.stepProfile, result, run.bandwidth.bestBytesPerSecond));
    out.push("", formatBenchTable(run.rows, 2), "", ...targets(run, result.backend !== "CPU").map((line) => `- ${line}`), "");
    if (run.verifyCost.length > 0) out.push(...verifyCostSection(run.verifyCost), "");
  }
  return out.join("\n");
}
