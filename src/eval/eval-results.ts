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
