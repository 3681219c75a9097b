import { mkdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { sparkHome } from "../../config/index.js";
import { UsageError } from "../../core/index.js";
import { bundledTasksDir, EvalJournal, fetchSuite, formatEvalMarkdown, isSuiteUrl, loadSuite, pairedDifference, type EvalSummary } from "../../eval/index.js";
import { exitCodes } from "../common/exit-codes.js";
import type { GlobalOptions } from "../common/global-options.js";
import { parseConfigurations, runConfiguration, type EvalConfiguration } from "./eval-configuration.js";

export interface EvalOptions extends GlobalOptions {
  suite?: string;
  tasks?: string;
  tasksDir?: string;
  limit?: string;
  configs?: string;
  fresh?: boolean;
  jobs?: string;
  reviewModel?: string;
  maxReviewRounds?: string;
  taskTimeout?: string;
  out?: string;
  json?: boolean;
  unsandboxed?: boolean;
}

function positive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`${flag} expects a positive whole number, got "${value}".`);
  return number;
}

function machineLabel(): string {
  const cores = cpus();
  return `${cores.length} vCPU ${cores[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** The suite's folder: the bundled one, a local folder, or a git URL cloned into Spark's cache. */
async function suiteFolder(options: EvalOptions): Promise<{ dir: string; key: string; remote: boolean }> {
  if (options.suite !== undefined && options.tasksDir !== undefined) throw new UsageError("Pass --suite or --tasks-dir, not both (--tasks-dir is the older name of --suite).");
  const suite = options.suite ?? options.tasksDir;
  if (suite === undefined) return { dir: bundledTasksDir, key: "bundled", remote: false };
  if (isSuiteUrl(suite)) return { dir: await fetchSuite(suite, join(sparkHome(process.env), "eval-suites")), key: suite, remote: true };
  const dir = resolve(suite);
  return { dir, key: dir, remote: false };
}

/** The configurations to compare: --configs, or the one that -m and --review-model name. */
function configurationsOf(options: EvalOptions): EvalConfiguration[] {
  if (options.configs !== undefined) {
    if (options.reviewModel !== undefined) throw new UsageError("Pass --configs or --review-model, not both: name the reviewer in --configs as MODEL+REVIEWER.");
    return parseConfigurations(options.configs);
  }
  return [{ ...(options.model ? { model: options.model } : {}), ...(options.reviewModel !== undefined ? { reviewer: options.reviewModel } : {}) }];
}

/** `spark eval`: a suite against one or more configurations, side by side; resumable from the run directory. */
export async function runEvalCommand(options: EvalOptions): Promise<number> {
  const configurations = configurationsOf(options);
  const jobs = positive("--jobs", options.jobs, 2);
  const limit = options.limit === undefined ? undefined : positive("--limit", options.limit, 1);
  const taskTimeoutMs = positive("--task-timeout", options.taskTimeout, 300) * 1000;
  const suite = await suiteFolder(options);
  const { layout, tasks } = await loadSuite(suite.dir, { ...(options.tasks !== undefined ? { tasks: options.tasks } : {}), ...(limit !== undefined ? { limit } : {}) });
  const out = resolve(options.out ?? join("bench", "results"));
  // The run directory is made by the first result: a run refused before any task (no sandbox) leaves nothing.
  const journal = await EvalJournal.open(out, options.fresh === true);
  const context = { options, suiteDir: suite.dir, suiteKey: suite.key, remote: suite.remote, tasks, jobs, taskTimeoutMs, journal, machine: machineLabel(), startedAt: new Date().toISOString() };
  process.stderr.write(`spark eval: ${tasks.length} task(s) of ${suite.key} (${layout} layout), ${configurations.length} configuration(s)\n`);
  const summaries: EvalSummary[] = [];
  let interrupted = false;
  for (const configuration of configurations) {
    const done = await runConfiguration(context, configuration);
    summaries.push(done.summary);
    if ((interrupted = done.interrupted)) break;
  }
  const markdown = formatEvalMarkdown(summaries);
  const comparisons = summaries.slice(1).map((summary) => pairedDifference(summaries[0] as EvalSummary, summary));
  const report = { suite: suite.key, layout, configurations: summaries, comparisons };
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "eval.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(out, "eval.md"), markdown);
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : markdown);
  process.stderr.write(`Results: ${join(out, "eval.json")}, eval.md and results.jsonl (a rerun with the same --out continues this run)\n`);
  return interrupted ? exitCodes.interrupted : exitCodes.ok;
}
