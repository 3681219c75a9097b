import type { ModelAccount } from "../agent/review/index.js";
import type { EvalTaskResult } from "./run-eval-task.js";

/** One model's totals over the run: the speed side of the speed-versus-intelligence table. */
export type EvalModelTotals = ModelAccount;

export interface EvalSummary {
  /** The configuration: "coder" or "coder + review". */
  configuration: string;
  machine: string;
  startedAt: string;
  tasks: number;
  passed: number;
  passRate: number;
  wallMs: number;
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

const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The Markdown report: pass rate and wall time, each model's tokens and tokens/s, then every task. */
export function formatEvalMarkdown(summary: EvalSummary): string {
  const lines = [
    `# spark eval: ${summary.configuration}`,
    "",
    `${summary.startedAt} · ${summary.machine}`,
    "",
    "| configuration | tasks | passed | pass rate | wall time |",
    "| --- | --- | --- | --- | --- |",
    `| ${summary.configuration} | ${summary.tasks} | ${summary.passed} | ${(summary.passRate * 100).toFixed(0)}% | ${seconds(summary.wallMs)} |`,
    "",
    "| model | role | calls | model time | prompt tokens | output tokens | tokens/s | cost |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...summary.models.map(
      (model) =>
        `| ${model.model} | ${model.role} | ${model.calls} | ${seconds(model.ms)} | ${number.format(model.inputTokens)} | ${number.format(model.outputTokens)} | ${model.tokensPerSecond === null ? "n/a" : number.format(model.tokensPerSecond)} | ${model.cost === null ? "n/a" : model.cost.toFixed(4)} |`,
    ),
    "",
    "| task | language | passed | outcome | wall time |",
    "| --- | --- | --- | --- | --- |",
    ...summary.results.map((result) => `| ${result.task} | ${result.language} | ${result.passed ? "yes" : "no"} | ${result.outcome} | ${seconds(result.wallMs)} |`),
  ];
  return `${lines.join("\n")}\n`;
}
