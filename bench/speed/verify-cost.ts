/**
 * What verifying a draft costs: the time to evaluate a batch of N tokens with logits (and a sampled token)
 * for every one of them, as speculative decoding's verification does, against one token. On a model bound
 * by memory bandwidth a batch costs little more than one token; where compute or per-token work decides,
 * it costs nearly N tokens, and drafts can only pay back that ratio. The speed bench prints this table
 * beside its levers so the limit is visible.
 *
 * Each batch is timed twice: wall clock and the process's CPU time. On a machine shared with other work the
 * wall clock of one batch includes time spent waiting for a core (a 1-token batch once read 351 ms against
 * a 210 ms decode step in the same run, while its CPU time is a decode step's), so ratios and the ceiling
 * are taken from CPU time; at 2 threads CPU time is both threads' together, which keeps ratios comparable.
 */
import { getLlama, LlamaLogLevel, type LlamaContextSequence, type Token } from "node-llama-cpp";

/**
 * 64 as well as 32: on this CPU a batch is compute-bound at 1 thread (60-70 ms of CPU per token against
 * ~200 ms for a one-token step), so only its fixed part, reading the weights, is shared; 64 shows whether
 * drafts longer than the policy's 32 would still pay (48 measured like 32, within the noise).
 */
export const VERIFY_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64] as const;

export interface VerifyCostRow {
  batch: number;
  /** Median wall-clock milliseconds to evaluate the batch, over the rounds. */
  medianMs: number;
  /** Median CPU milliseconds of the process (all its threads) while evaluating the batch. */
  medianCpuMs: number;
  /** medianCpuMs of this batch / medianCpuMs of one token. */
  ofOneToken: number;
  /** Tokens verified per second if every drafted token were accepted, from CPU time: batch x threads / CPU time (its threads never waiting for a core). */
  tokensPerSecond: number;
}

export interface VerifyCostOptions {
  modelPath: string;
  threads: number;
  gpu: boolean;
  /** Text whose tokens are evaluated (any text: the cost does not depend on which tokens). */
  text: string;
  /** Rounds over every batch size, interleaved so that a burst of load hits all sizes alike. */
  rounds: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** Evaluates `tokens` at the end of what the sequence holds, each with its next token sampled, then takes them out again. */
async function timeBatch(sequence: LlamaContextSequence, tokens: Token[]): Promise<{ wallMs: number; cpuMs: number }> {
  const start = sequence.nextTokenIndex;
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  await sequence.controlledEvaluate(tokens.map((token) => [token, { generateNext: { token: true } }]));
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - began;
  await sequence.eraseContextTokenRanges([{ start, end: sequence.nextTokenIndex }]);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** The verification cost table for one model and thread count (a 64-token prefix is evaluated first, as a prompt would be). */
export async function measureVerifyCost(options: VerifyCostOptions): Promise<VerifyCostRow[]> {
  const llama = await getLlama({ gpu: options.gpu ? "cuda" : false, build: "never", skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error, maxThreads: options.threads });
  try {
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext({ contextSize: 512, threads: options.threads, sequences: 1 });
    const sequence = context.getSequence();
    const textTokens = model.tokenize(options.text);
    const largest = Math.max(...VERIFY_BATCH_SIZES);
    if (textTokens.length < 64 + largest) throw new Error(`verify-cost: the text has ${textTokens.length} tokens; it needs ${64 + largest}`);
    await sequence.evaluateWithoutGeneratingNewTokens(textTokens.slice(0, 64));
    const times = new Map<number, Array<{ wallMs: number; cpuMs: number }>>(VERIFY_BATCH_SIZES.map((size) => [size, []]));
    // One untimed pass first, smallest and largest batch: the first batches of a fresh context allocate buffers.
    for (const size of [1, largest]) await timeBatch(sequence, textTokens.slice(64, 64 + size));
    for (let round = 0; round < options.rounds; round++) {
      for (const size of VERIFY_BATCH_SIZES) times.get(size)?.push(await timeBatch(sequence, textTokens.slice(64, 64 + size)));
    }
    const cpuOf = (batch: number): number => median((times.get(batch) ?? []).map((time) => time.cpuMs));
    const one = cpuOf(1);
    return VERIFY_BATCH_SIZES.map((batch) => {
      const medianCpuMs = cpuOf(batch);
      const medianMs = median((times.get(batch) ?? []).map((time) => time.wallMs));
      return { batch, medianMs, medianCpuMs, ofOneToken: medianCpuMs / one, tokensPerSecond: ((batch * options.threads) / medianCpuMs) * 1000 };
    });
  } finally {
    await llama.dispose();
  }
}

/** The table as Markdown. */
export function verifyCostMarkdown(rows: readonly VerifyCostRow[]): string {
  return [
    "| tokens in the batch | median ms (wall) | median CPU ms | CPU ms per token | x one token (CPU) | tokens/s if all accepted (CPU) |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row.batch} | ${row.medianMs.toFixed(1)} | ${row.medianCpuMs.toFixed(1)} | ${(row.medianCpuMs / row.batch).toFixed(1)} | ${row.ofOneToken.toFixed(2)}x | ${row.tokensPerSecond.toFixed(1)} |`),
  ].join("\n");
}
