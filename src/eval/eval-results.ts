import type { ModelAccount } from "../agent/review/index.js";
import type { EvalTaskResult } from "./run-eval-task.js";

/** One model's totals over the run: the speed side of the speed-versus-intelligence table. */
export type EvalModelTotals = ModelAccount;

/** One configuration's row: `-m FAST`, `-m STRONG` or `-m FAST --review-model STRONG`. */
export interface EvalSummary {
  /** The configuration: "fast", or "fast + strong" (drafter + reviewer). */
  configuration: string;
  machine: string;
  startedAt: string;
  tasks: number;
  passed: number;
  /** Tasks that could not run here (a missing toolchain, a failed set-up): left out of the pass rate. */
  skipped: number;
  /** Passed over the tasks that ran. */
  passRate: number;
  /** The 95% Wilson interval of the pass rate. */
  passRateInterval: [number, number];
  /** The sum of the tasks' wall times. */
  wallMs: number;
  inputTokens: number;
  outputTokens: number;
  /** Output tokens per second of model time, all models together. */
  tokensPerSecond: number | null;
  /** The drafter's mean time to first token. */
  ttftMs: number | null;
  /** Null when no model of the configuration has a price in `[review.prices]`. */
  cost: number | null;
  reviewRounds: number;
  escalations: number;
  models: EvalModelTotals[];
  results: EvalTaskResult[];
}

export function modelTotals(results: readonly EvalTaskResult[]): EvalModelTotals[] {
  const totals = new Map<string, EvalModelTotals>();
  for (const account of results.flatMap((result) => result.accounting)) {
    const key = `${account.role}\u0000${account.model}`;
    const sum = totals.get(key) ?? { model: account.model, role: account.role, calls: 0, ms: 0, inputTokens: 0, outputTokens: 0, tokensPerSecond: null, cost: null, buckets: [] };
    sum.calls += account.calls;
    sum.ms += account.ms;
    sum.inputTokens += account.inputTokens;
    sum.outputTokens += account.outputTokens;
    sum.tokensPerSecond = sum.ms > 0 ? sum.outputTokens / (sum.ms / 1000) : null;
    if (account.cost !== null) sum.cost = (sum.cost ?? 0) + account.cost;
    sum.buckets = [...new Set([...sum.buckets, ...account.buckets])];
    totals.set(key, sum);
  }
  return [...totals.values()];
}

/** The 95% Wilson score interval of `passed` out of `n`: honest for small suites and rates near 0 or 1. */
export function wilsonInterval(passed: number, n: number): [number, number] {
  if (n === 0) return [0, 0];
  const z = 1.96;
  const p = passed / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

export function summarise(configuration: string, machine: string, startedAt: string, results: readonly EvalTaskResult[]): EvalSummary {
  const ran = results.filter((result) => result.skipped === undefined);
  const passed = ran.filter((result) => result.passed).length;
  const models = modelTotals(results);
  const ms = sum(models.map((model) => model.ms));
  const outputTokens = sum(models.map((model) => model.outputTokens));
  const ttfts = results.flatMap((result) => (result.ttftMs === null || result.ttftMs === undefined ? [] : [result.ttftMs]));
  const costs = models.flatMap((model) => (model.cost === null ? [] : [model.cost]));
  return {
    configuration,
    machine,
    startedAt,
    tasks: results.length,
    passed,
    skipped: results.length - ran.length,
    passRate: ran.length === 0 ? 0 : passed / ran.length,
    passRateInterval: wilsonInterval(passed, ran.length),
    wallMs: sum(results.map((result) => result.wallMs)),
    inputTokens: sum(models.map((model) => model.inputTokens)),
    outputTokens,
    tokensPerSecond: ms > 0 ? outputTokens / (ms / 1000) : null,
    ttftMs: ttfts.length === 0 ? null : Math.round(sum(ttfts) / ttfts.length),
    cost: costs.length === 0 ? null : sum(costs),
    reviewRounds: sum(results.map((result) => result.rounds ?? 0)),
    escalations: results.filter((result) => result.escalated === true).length,
    models,
    results: [...results],
  };
}

/** Two configurations on the tasks both ran: how often each passed where the other failed. */
export interface PairedDifference {
  baseline: string;
  configuration: string;
  /** Tasks both configurations ran (skipped ones left out). */
  tasks: number;
  onlyBaseline: number;
  onlyConfiguration: number;
  /** The configuration's pass rate less the baseline's, on those tasks. */
  difference: number;
  /** A 95% interval of the paired difference (normal approximation). */
  interval: [number, number];
}

export function pairedDifference(baseline: EvalSummary, other: EvalSummary): PairedDifference {
  const ran = (summary: EvalSummary) => new Map(summary.results.filter((result) => result.skipped === undefined).map((result) => [result.task, result.passed]));
  const a = ran(baseline);
  const b = ran(other);
  const shared = [...a.keys()].filter((task) => b.has(task));
  const onlyBaseline = shared.filter((task) => a.get(task) && !b.get(task)).length;
  const onlyConfiguration = shared.filter((task) => !a.get(task) && b.get(task)).length;
  const n = shared.length;
  const difference = n === 0 ? 0 : (onlyConfiguration - onlyBaseline) / n;
  const half = n === 0 ? 0 : (1.96 * Math.sqrt(Math.max(0, onlyConfiguration + onlyBaseline - (onlyConfiguration - onlyBaseline) ** 2 / n))) / n;
  return { baseline: baseline.configuration, configuration: other.configuration, tasks: n, onlyBaseline, onlyConfiguration, difference, interval: [Math.max(-1, difference - half), Math.min(1, difference + half)] };
}
