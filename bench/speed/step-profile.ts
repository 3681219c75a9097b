/**
 * Where one plain decoding step's time goes, split by what the engine can be asked to leave out:
 * - the transformer alone: the token evaluated without logits (no output layer, no sampling);
 * - plus the 151,936-wide output layer and the sampler: the token evaluated with its next token sampled
 *   greedily (node-llama-cpp's chain at temperature 0 is llama.cpp's greedy sampler, an argmax; no sort,
 *   no softmax unless probabilities or confidence are asked for, and Spark asks for neither);
 * - node-llama-cpp's own lowest-level generation loop (LlamaContextSequence.evaluate at temperature 0),
 *   which adds its locks, batch scheduling and the copy of the token into JavaScript.
 * Spark's plain call (the bench's plain rows) adds detokenisation, stop checks and its events on top.
 * The three are timed token by token in turn, each on a context of its own at the same position, so that a
 * burst of load from other work hits all three alike; wall and CPU time per token, medians.
 */
import { getLlama, LlamaLogLevel, type LlamaContextSequence, type Token } from "node-llama-cpp";

export interface StepProfileRow {
  part: string;
  /** Median wall-clock milliseconds per token, and the 25th percentile (the least disturbed steps). */
  medianMs: number;
  p25Ms: number;
  /** Median CPU milliseconds per token of the process (all threads, spinning included). */
  medianCpuMs: number;
}

export interface StepProfileOptions {
  modelPath: string;
  threads: number;
  /** Text whose tokens are fed (the model's own greedy text, so that the generation loop follows it). */
  text: string;
  /** Tokens timed per part. */
  tokens: number;
}

const PREFIX_TOKENS = 200;

const quantile = (values: number[], at: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) * at)] as number;
};

const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

type Step = (token: Token) => Promise<unknown>;

/** The three parts as steps, each on its own sequence holding the same prefix; close ends the generation loop. */
function steps(sequences: LlamaContextSequence[], firstToken: Token): { parts: Array<[string, Step]>; close: () => Promise<unknown> } {
  const [bare, sampled, looped] = sequences as [LlamaContextSequence, LlamaContextSequence, LlamaContextSequence];
  // The loop is node-llama-cpp's generator: each next() evaluates the token it sampled last.
  const generator = looped.evaluate([firstToken], { temperature: 0 });
  const parts: Array<[string, Step]> = [
    ["transformer only (no logits: no output layer, no sampling)", (token) => bare.evaluateWithoutGeneratingNewTokens([token])],
    ["+ output layer + greedy sampler (controlledEvaluate)", (token) => sampled.controlledEvaluate([[token, { generateNext: { token: true } }]])],
    ["node-llama-cpp's generation loop (evaluate, temperature 0)", () => generator.next()],
  ];
  return { parts, close: () => generator.return(undefined) };
}

export async function measureStepProfile(options: StepProfileOptions): Promise<StepProfileRow[]> {
  const llama = await getLlama({ gpu: false, build: "never", skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error, maxThreads: options.threads });
  try {
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const tokens = model.tokenize(options.text);
    if (tokens.length < PREFIX_TOKENS + options.tokens + 1) throw new Error(`step profile: the text has ${tokens.length} tokens; it needs ${PREFIX_TOKENS + options.tokens + 1}`);
    const sequences: LlamaContextSequence[] = [];
    for (let index = 0; index < 3; index++) {
      const context = await model.createContext({ contextSize: 1024, threads: options.threads, sequences: 1 });
      const sequence = context.getSequence();
      await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, PREFIX_TOKENS));
      sequences.push(sequence);
    }
    const { parts, close } = steps(sequences, tokens[PREFIX_TOKENS] as Token);
    const wall = parts.map((): number[] => []);
    const cpu = parts.map((): number[] => []);
    for (let index = 0; index <= options.tokens; index++) {
      const token = tokens[PREFIX_TOKENS + index] as Token;
      for (const [at, [, step]] of parts.entries()) {
        const began = performance.now();
        const cpuBefore = cpuMs();
        await step(token);
        // The first step of each part is untimed: the first batch of a fresh context allocates buffers.
        if (index === 0) continue;
        wall[at]?.push(performance.now() - began);
        cpu[at]?.push(cpuMs() - cpuBefore);
      }
    }
    await close();
    return parts.map(([part], at) => ({ part, medianMs: quantile(wall[at] ?? [], 0.5), p25Ms: quantile(wall[at] ?? [], 0.25), medianCpuMs: quantile(cpu[at] ?? [], 0.5) }));
  } finally {
    await llama.dispose();
  }
}

/** The table as Markdown, each part also against the transformer alone. */
export function stepProfileMarkdown(rows: readonly StepProfileRow[]): string {
  const base = rows[0]?.medianMs ?? 1;
  return [
    "| part of one plain step | median ms (wall) | p25 ms (wall) | median CPU ms | x transformer only (wall) |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row.part} | ${row.medianMs.toFixed(1)} | ${row.p25Ms.toFixed(1)} | ${row.medianCpuMs.toFixed(1)} | ${(row.medianMs / base).toFixed(2)}x |`),
  ].join("\n");
}
