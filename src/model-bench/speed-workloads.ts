import type { Message, ModelRequest } from "../core/index.js";
import type { ModelClient } from "../models/index.js";
import type { BenchRow } from "./bench-row.js";
import { inWorkload } from "./in-workload.js";
import { runCall, type CallResult } from "./run-call.js";

export interface SpeedBenchOptions {
  /** Decodes without prompt-lookup or draft speculation (for remote models: the same client as `fast`). */
  plain: ModelClient;
  /** The same model with every lever on. */
  fast: ModelClient;
  /** The code the rewrite and continue workloads work on. */
  source: string;
  maxTokens: number;
  /** Tokens per "continue" call, when it should differ from maxTokens (the rewrite's); default maxTokens. */
  continueMaxTokens?: number;
  /** The code the "continue" workload continues, when it should differ from the rewrite's; default source. */
  continueSource?: string;
  /** Label of the speculation `fast` uses without a prediction ("prompt lookup" or "draft model"). */
  defaultLever: string;
  /** Remote models: only the prediction workloads apply. */
  remote: boolean;
  /** Which workloads run; default both. A second pass with another `fast` (a draft model) may need only "continue". */
  workloads?: ReadonlyArray<"rewrite" | "continue">;
  /**
   * Calls per side of each comparison, plain and lever alternating; each row shows the call with the median
   * decode speed. Default 1. More rounds make a comparison on a loaded machine mean something.
   */
  rounds?: number;
}

const ask = (messages: Message[], maxTokens: number, extra: Partial<ModelRequest> = {}): ModelRequest => ({ messages, temperature: 0, maxTokens, ...extra });

/** The call with the median decode speed (a real call's figures, not a blend of several). */
function medianCall(calls: readonly CallResult[]): CallResult {
  const sorted = [...calls].sort((a, b) => (a.metrics.decodeTokensPerSecond ?? 0) - (b.metrics.decodeTokensPerSecond ?? 0));
  return sorted[Math.floor((sorted.length - 1) / 2)] as CallResult;
}

const middle = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[half] as number) : ((sorted[half - 1] as number) + (sorted[half] as number)) / 2;
};

/**
 * Each round's lever call against the same round's plain call, and the median of those ratios. Calls of one
 * round run back to back, so load from other work that comes and goes hits both sides of a pair alike; the
 * ratio of the two sides' medians can pair a plain call from a quiet minute with a lever call from a busy one.
 */
export function pairedSpeedups(plain: readonly CallResult[], fast: readonly CallResult[]): { median: number; ratios: number[] } | null {
  const ratios = plain.flatMap((call, round) => {
    const plainRate = call.metrics.decodeTokensPerSecond;
    const leverRate = fast[round]?.metrics.decodeTokensPerSecond;
    return plainRate && leverRate ? [leverRate / plainRate] : [];
  });
  return ratios.length > 0 ? { median: middle(ratios), ratios } : null;
}

/**
 * Median calls of each side; the speed-up is the median of the rounds' paired ratios (the spread in the note
 * when there are several); "identical" holds only if every lever call said what every plain call said.
 */
function compareRounds(workload: string, lever: string, plain: readonly CallResult[], fast: readonly CallResult[], note?: string): BenchRow {
  const row = compare(workload, lever, medianCall(plain), medianCall(fast), note);
  const paired = pairedSpeedups(plain, fast);
  if (paired) row.speedup = paired.median;
  if (paired && paired.ratios.length > 1) {
    const spread = `speed-up median of ${paired.ratios.length} rounds (${Math.min(...paired.ratios).toFixed(2)}-${Math.max(...paired.ratios).toFixed(2)}x)`;
    row.note = row.note ? `${row.note}; ${spread}` : spread;
  }
  if (row.identical !== undefined) row.identical = [...plain, ...fast].every((call) => call.text === plain[0]?.text);
  return row;
}

/** `rounds` rounds of the calls, in turn within each round (so load that comes and goes falls on all of them alike). */
async function inRounds(rounds: number, calls: ReadonlyArray<() => Promise<CallResult>>): Promise<CallResult[][]> {
  const results = calls.map((): CallResult[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, call] of calls.entries()) results[index]?.push(await call());
  }
  return results;
}

function compare(workload: string, lever: string, plain: CallResult, fast: CallResult, note?: string): BenchRow {
  const plainRate = plain.metrics.decodeTokensPerSecond;
  const leverRate = fast.metrics.decodeTokensPerSecond;
  return {
    workload,
    lever,
    plainTokensPerSecond: plainRate,
    leverTokensPerSecond: leverRate,
    plainTtftMs: plain.metrics.ttftMs,
    leverTtftMs: fast.metrics.ttftMs,
    speedup: plainRate && leverRate ? leverRate / plainRate : null,
    draftAccepted: fast.metrics.draftTokensAccepted,
    draftRejected: fast.metrics.draftTokensRejected,
    // Two empty outputs prove nothing: "identical" is claimed only where text was compared.
    ...(plain.text || fast.text ? { identical: plain.text === fast.text } : {}),
    ...(note || !(plain.text || fast.text) ? { note: note ?? "no text generated: nothing compared" } : {}),
  };
}

/** Shuffled lines of the source: text of the right shape that the output will not follow. */
function uselessPrediction(source: string): string {
  return source
    .split("\n")
    .map((line) => [...line].reverse().join(""))
    .reverse()
    .join("\n");
}

/** Rewrite with the old file as prediction; continue with prompt lookup or a draft; a useless prediction. */
export async function speculationRows(options: SpeedBenchOptions): Promise<BenchRow[]> {
  const { plain, fast, source, maxTokens } = options;
  // A first call warms the engine so the first measured call is not slower for reasons of its own.
  await inWorkload("warm-up", () => runCall(plain, ask([{ role: "user", content: "warm up" }], 8)));
  const rewrite = ask([{ role: "system", content: "Output only the file, rewritten with the requested change." }, { role: "user", content: `Add a comment at the top of this file:\n\n${source}` }], maxTokens);
  const rows: BenchRow[] = [];
  const workloads = options.workloads ?? ["rewrite", "continue"];
  const rounds = Math.max(1, options.rounds ?? 1);
  if (workloads.includes("rewrite")) await inWorkload("rewrite a file", async () => {
    const [rewritePlain = [], predicted = [], useless = []] = await inRounds(rounds, [
      () => runCall(plain, rewrite),
      () => runCall(fast, { ...rewrite, prediction: source }),
      () => runCall(fast, { ...rewrite, prediction: uselessPrediction(source) }),
    ]);
    rows.push(compareRounds("rewrite a file", "prediction = old file", rewritePlain, predicted));
    rows.push(compareRounds("rewrite a file", "useless prediction", rewritePlain, useless, "draft allowance"));
  });
  if (!options.remote && workloads.includes("continue")) {
    const continuation = ask([{ role: "user", content: `Continue this code:\n\n${options.continueSource ?? source}` }], options.continueMaxTokens ?? maxTokens);
    rows.push(
      await inWorkload("continue code", async () => {
        const [plainCalls = [], leverCalls = []] = await inRounds(rounds, [() => runCall(plain, continuation), () => runCall(fast, continuation)]);
        return compareRounds("continue code", options.defaultLever, plainCalls, leverCalls);
      }),
    );
  }
  return rows;
}

/** A conversation of `turns` review turns over the source, for the cache workloads. */
function conversation(source: string, turns: number, tag: string): Message[] {
  const messages: Message[] = [{ role: "system", content: `You are a coding assistant (${tag}).` }];
  for (let turn = 0; turn < turns; turn++) {
    messages.push({ role: "user", content: `Step ${turn + 1}: review this code.\n${source}` });
    messages.push({ role: "assistant", content: `Step ${turn + 1} reviewed.` });
  }
  return messages;
}

/** Cold vs warm TTFT on a follow-up turn, and a redirect after an interrupt. */
export async function cacheRows(options: SpeedBenchOptions & { conversationTurns: number }): Promise<BenchRow[]> {
  const { fast, source } = options;
  const history = conversation(source, options.conversationTurns, `run ${Date.now()}`);
  const row = (workload: string, cold: CallResult, warm: CallResult): BenchRow => ({
    workload,
    lever: "prefix reuse",
    plainTokensPerSecond: null,
    leverTokensPerSecond: null,
    plainTtftMs: cold.metrics.ttftMs,
    leverTtftMs: warm.metrics.ttftMs,
    speedup: cold.metrics.ttftMs && warm.metrics.ttftMs ? cold.metrics.ttftMs / warm.metrics.ttftMs : null,
    draftAccepted: warm.metrics.draftTokensAccepted,
    draftRejected: warm.metrics.draftTokensRejected,
    promptTokensEvaluated: warm.usage.inputTokens - warm.usage.cachedInputTokens,
    note: `${cold.usage.inputTokens}-token prompt cold, ${warm.usage.inputTokens} warm; speed-up = cold TTFT / warm TTFT`,
  });
  const followUp = await inWorkload("multi-turn follow-up", async () => {
    const first = await runCall(fast, ask([...history, { role: "user", content: "Summarise." }], 8));
    const warm = await runCall(fast, ask([...history, { role: "user", content: "Summarise." }, { role: "assistant", content: first.text }, { role: "user", content: "Shorter." }], 8));
    return row("multi-turn follow-up", first, warm);
  });
  const redirectHistory = conversation(source, options.conversationTurns, `redirect ${Date.now()}`);
  const redirect = await inWorkload("interrupt then redirect", async () => {
    const cold = await runCall(fast, ask([...redirectHistory, { role: "user", content: "Rewrite it all." }], options.maxTokens), 20);
    const warm = await runCall(
      fast,
      ask([...redirectHistory, { role: "user", content: "Rewrite it all." }, { role: "assistant", content: cold.text }, { role: "user", content: "No: only the first function." }], 8),
    );
    return row("interrupt then redirect", cold, warm);
  });
  return [followUp, redirect];
}
