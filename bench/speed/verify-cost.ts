/**
 * What verifying a draft costs: the time to evaluate a batch of N tokens with logits (and a sampled token)
 * for every one of them, as speculative decoding's verification does, against one token. On a model bound
 * by memory bandwidth a batch costs little more than one token; where compute or per-token work decides,
 * it costs nearly N tokens, and drafts can only pay back that ratio. The speed bench prints this table
 * beside its levers so the limit is visible.
 */
import { getLlama, LlamaLogLevel, type LlamaContextSequence, type Token } from "node-llama-cpp";

export const VERIFY_BATCH_SIZES = [1, 2, 4, 8, 16, 32] as const;

export interface VerifyCostRow {
  batch: number;
  /** Median milliseconds to evaluate the batch, over the rounds. */
  medianMs: number;
  /** medianMs of this batch / medianMs of one token. */
  ofOneToken: number;
  /** Tokens verified per second if every drafted token were accepted: batch / medianMs. */
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
async function timeBatch(sequence: LlamaContextSequence, tokens: Token[]): Promise<number> {
  const start = sequence.nextTokenIndex;
  const began = performance.now();
  await sequence.controlledEvaluate(tokens.map((token) => [token, { generateNext: { token: true } }]));
  const elapsed = performance.now() - began;
  await sequence.eraseContextTokenRanges([{ start, end: sequence.nextTokenIndex }]);
  return elapsed;
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
    const times = new Map<number, number[]>(VERIFY_BATCH_SIZES.map((size) => [size, []]));
    // One untimed pass first: the first batches of a fresh context allocate buffers.
    for (const size of VERIFY_BATCH_SIZES) await timeBatch(sequence, textTokens.slice(64, 64 + size));
    for (let round = 0; round < options.rounds; round++) {
      for (const size of VERIFY_BATCH_SIZES) times.get(size)?.push(await timeBatch(sequence, textTokens.slice(64, 64 + size)));
    }
    const one = median(times.get(1) ?? []);
    return VERIFY_BATCH_SIZES.map((batch) => {
      const medianMs = median(times.get(batch) ?? []);
      return { batch, medianMs, ofOneToken: medianMs / one, tokensPerSecond: (batch / medianMs) * 1000 };
    });
  } finally {
    await llama.dispose();
  }
}

/** The table as Markdown. */
export function verifyCostMarkdown(rows: readonly VerifyCostRow[]): string {
  return [
    "| tokens in the batch | median ms | x one token | tokens/s if all accepted |",
    "| --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row.batch} | ${row.medianMs.toFixed(1)} | ${row.ofOneToken.toFixed(2)}x | ${row.tokensPerSecond.toFixed(1)} |`),
  ].join("\n");
}
