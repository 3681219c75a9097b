import { formatEvalChart } from "./eval-chart.js";
import { pairedDifference, type EvalSummary } from "./eval-results.js";

const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const percent = (rate: number) => `${(rate * 100).toFixed(0)}%`;
const orNa = <T>(value: T | null, format: (value: T) => string) => (value === null ? "n/a" : format(value));

/** What a task's cell says in the side-by-side table. */
function cell(summary: EvalSummary, task: string): string {
  const result = summary.results.find((candidate) => candidate.task === task);
  if (!result) return "–";
  if (result.skipped) return `skipped: ${result.skipped}`;
  return `${result.passed ? "pass" : "fail"} (${result.outcome}, ${seconds(result.wallMs)})`;
}

const signed = (rate: number) => `${rate > 0 ? "+" : ""}${(rate * 100).toFixed(0)} pts`;

/** Each configuration against the first on the tasks both ran: the paired difference, with its interval. */
function pairedLines(summaries: readonly EvalSummary[]): string[] {
  const [baseline, ...others] = summaries;
  if (!baseline || others.length === 0) return [];
  return [
    "",
    "| paired with the first | tasks both ran | passed only by the first | passed only by this | difference | 95% interval |",
    "| --- | --- | --- | --- | --- | --- |",
    ...others.map((other) => {
      const paired = pairedDifference(baseline, other);
      return `| ${other.configuration} vs ${baseline.configuration} | ${paired.tasks} | ${paired.onlyBaseline} | ${paired.onlyConfiguration} | ${signed(paired.difference)} | ${signed(paired.interval[0])} to ${signed(paired.interval[1])} |`;
    }),
  ];
}

/** The chart section of eval.md: the SVG inline (eval.md stands alone), preceded by a blank line so it is its own HTML block. */
const chartLines = (summaries: readonly EvalSummary[]) => ["", "## Speed against pass rate", "", formatEvalChart(summaries)];

/**
 * The Markdown report of one run: a row per configuration (pass rate with its 95% interval, tokens, speed,
 * time to first token, cost, review rounds, escalations), each model's totals, the paired differences, every
 * task side by side, and (`chart`, for eval.md; a terminal shows no SVG) the speed-against-pass-rate chart.
 */
export function formatEvalMarkdown(summaries: readonly EvalSummary[], options: { title?: string; chart?: boolean } = {}): string {
  const title = options.title ?? summaries.map((summary) => summary.configuration).join(" vs ");
  const first = summaries[0];
  const tasks = [...new Set(summaries.flatMap((summary) => summary.results.map((result) => result.task)))];
  const lines = [
    `# spark eval: ${title}`,
    "",
    first ? `${first.startedAt} · ${first.machine}` : "",
    "",
    "| configuration | tasks | passed | skipped | pass rate | 95% interval | wall time | tokens in | tokens out | tokens/s | TTFT | cost | review rounds | escalations |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...summaries.map(
      (s) =>
        `| ${s.configuration} | ${s.tasks} | ${s.passed} | ${s.skipped} | ${percent(s.passRate)} | ${percent(s.passRateInterval[0])}–${percent(s.passRateInterval[1])} | ${seconds(s.wallMs)} | ${number.format(s.inputTokens)} | ${number.format(s.outputTokens)} | ${orNa(s.tokensPerSecond, (v) => number.format(v))} | ${orNa(s.ttftMs, (v) => `${number.format(v)} ms`)} | ${orNa(s.cost, (v) => v.toFixed(4))} | ${s.reviewRounds} | ${s.escalations} |`,
    ),
    "",
    "| configuration | model | role | calls | model time | prompt tokens | output tokens | tokens/s | cost |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...summaries.flatMap((s) =>
      s.models.map(
        (model) =>
          `| ${s.configuration} | ${model.model} | ${model.role} | ${model.calls} | ${seconds(model.ms)} | ${number.format(model.inputTokens)} | ${number.format(model.outputTokens)} | ${orNa(model.tokensPerSecond, (v) => number.format(v))} | ${orNa(model.cost, (v) => v.toFixed(4))} |`,
      ),
    ),
    ...pairedLines(summaries),
    "",
    `| task | language | ${summaries.map((s) => s.configuration).join(" | ")} |`,
    `| --- | --- | ${summaries.map(() => "---").join(" | ")} |`,
    ...tasks.map((task) => {
      const language = summaries.flatMap((s) => s.results).find((result) => result.task === task)?.language ?? "";
      return `| ${task} | ${language} | ${summaries.map((s) => cell(s, task)).join(" | ")} |`;
    }),
    ...(options.chart ? chartLines(summaries) : []),
  ];
  return `${lines.join("\n")}\n`;
}
