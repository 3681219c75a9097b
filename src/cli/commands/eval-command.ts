import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { sparkHome } from "../../config/index.js";
import { UsageError } from "../../core/index.js";
import { bundledTasksDir, EvalJournal, fetchSuite, formatEvalChart, suiteLabel, formatEvalMarkdown, isSuiteUrl, loadSuite, pairedDifference, type EvalSummary } from "../../eval/index.js";
import { createEvalReportStore, databasePath, openDatabase } from "../../store/index.js";
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
  refresh?: boolean;
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

/**
 * --jobs: each job is a sandboxed task with its own fixture copy, model calls and hidden tests, so more
 * than a few per core only queues them (and can exhaust memory or the upstream's rate limit).
 */
export function jobsFrom(value: string | undefined, cores = availableParallelism()): number {
  const cap = Math.max(1, cores) * 4;
  const jobs = positive("--jobs", value, 2);
  if (jobs > cap) throw new UsageError(`--jobs ${jobs} is more than this machine can run at once: at most ${cap} (4 per CPU, ${cores} CPU${cores === 1 ? "" : "s"}). Each job runs a task in its own sandbox with its own tests.`);
  return jobs;
}

function machineLabel(): string {
  const cores = cpus();
  return `${cores.length} vCPU ${cores[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** The suite's folder: the bundled one, a local folder, or a git URL cloned into Spark's cache (held until release). */
async function suiteFolder(options: EvalOptions): Promise<{ dir: string; key: string; remote: boolean; release: () => Promise<void> }> {
  if (options.suite !== undefined && options.tasksDir !== undefined) throw new UsageError("Pass --suite or --tasks-dir, not both (--tasks-dir is the older name of --suite).");
  const suite = options.suite ?? options.tasksDir;
  const refresh = options.refresh === true;
  if (refresh && (suite === undefined || !isSuiteUrl(suite))) throw new UsageError("--refresh clones a git suite again: pass it with --suite URL (a folder is read as it is; the bundled suite ships with Spark).");
  const release = () => Promise.resolve();
  if (suite === undefined) return { dir: bundledTasksDir, key: "bundled", remote: false, release };
  if (isSuiteUrl(suite)) {
    const held = await fetchSuite(suite, join(sparkHome(process.env), "eval-suites"), { refresh });
    // The key names the suite in messages, the journal and reports: never with the URL's user name or token.
    return { dir: held.dir, key: suiteLabel(suite), remote: true, release: held.release };
  }
  const dir = resolve(suite);
  return { dir, key: dir, remote: false, release };
}

/** The configurations to compare: --configs, or the one that -m and --review-model name. */
function configurationsOf(options: EvalOptions): EvalConfiguration[] {
  if (options.configs !== undefined) {
    if (options.reviewModel !== undefined) throw new UsageError("Pass --configs or --review-model, not both: name the reviewer in --configs as MODEL+REVIEWER.");
    return parseConfigurations(options.configs);
  }
  return [{ ...(options.model ? { model: options.model } : {}), ...(options.reviewModel !== undefined ? { reviewer: options.reviewModel } : {}) }];
}

/**
 * eval.json, eval.md (with the chart inline) and eval.svg in the run directory, and the report in Spark's
 * database, where the results page of `spark serve` reads the latest (it never reads a path it is given).
 */
async function writeReport(out: string, report: { suite: string }, summaries: readonly EvalSummary[]): Promise<void> {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "eval.json"), json);
  await writeFile(join(out, "eval.md"), formatEvalMarkdown(summaries, { chart: true }));
  await writeFile(join(out, "eval.svg"), `${formatEvalChart(summaries)}\n`);
  const db = openDatabase(databasePath(sparkHome(process.env)));
  try {
    createEvalReportStore(db).add(report.suite, json);
  } finally {
    db.close();
  }
}

/** `spark eval`: a suite against one or more configurations, side by side; resumable from the run directory. */
export async function runEvalCommand(options: EvalOptions): Promise<number> {
  const settings: RunSettings = {
    configurations: configurationsOf(options),
    jobs: jobsFrom(options.jobs),
    limit: options.limit === undefined ? undefined : positive("--limit", options.limit, 1),
    taskTimeoutMs: positive("--task-timeout", options.taskTimeout, 300) * 1000,
  };
  const suite = await suiteFolder(options);
  try {
    return await runSuite(options, settings, suite);
  } finally {
    // A clone another run refreshed meanwhile is removed once no run reads it.
    await suite.release();
  }
}

interface RunSettings {
  configurations: EvalConfiguration[];
  jobs: number;
  limit: number | undefined;
  taskTimeoutMs: number;
}

async function runSuite(options: EvalOptions, { configurations, jobs, limit, taskTimeoutMs }: RunSettings, suite: { dir: string; key: string; remote: boolean }): Promise<number> {
  const { layout, tasks } = await loadSuite(suite.dir, { ...(options.tasks !== undefined ? { tasks: options.tasks } : {}), ...(limit !== undefined ? { limit } : {}) });
  const out = resolve(options.out ?? join("bench", "results"));
  // The run directory is made by the first result: a run refused before any task (no sandbox) leaves nothing.
  // A refreshed suite may have changed: results of the old clone are not reused.
  const journal = await EvalJournal.open(out, options.fresh === true || options.refresh === true);
  const context = { options, suiteDir: suite.dir, suiteKey: suite.key, remote: suite.remote, tasks, jobs, taskTimeoutMs, journal, machine: machineLabel(), startedAt: new Date().toISOString() };
  process.stderr.write(`spark eval: ${tasks.length} task(s) of ${suite.key} (${layout} layout), ${configurations.length} configuration(s)\n`);
  const summaries: EvalSummary[] = [];
  let interrupted = false;
  for (const configuration of configurations) {
    const done = await runConfiguration(context, configuration);
    summaries.push(done.summary);
    if ((interrupted = done.interrupted)) break;
  }
  const comparisons = summaries.slice(1).map((summary) => pairedDifference(summaries[0] as EvalSummary, summary));
  const report = { suite: suite.key, layout, configurations: summaries, comparisons };
  await writeReport(out, report, summaries);
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatEvalMarkdown(summaries));
  process.stderr.write(`Results: ${join(out, "eval.json")}, eval.md, eval.svg and results.jsonl (a rerun with the same --out continues this run); \`spark serve\` shows the latest at /eval.html\n`);
  return interrupted ? exitCodes.interrupted : exitCodes.ok;
}
