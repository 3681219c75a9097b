import { readdir } from "node:fs/promises";
import { join } from "node:path";
import picomatch from "picomatch";
import { EvalTaskError, UsageError } from "../core/index.js";
import { isDirectory, isSparkSuite, loadEvalTasks, type EvalTask } from "./eval-task.js";
import { isPolyglotSuite, listPolyglotTasks, loadPolyglotTask } from "./polyglot-suite.js";
import { isTerminalBenchSuite, listTerminalBenchTasks, loadTerminalBenchTask } from "./terminal-bench-suite.js";

export type SuiteLayout = "spark" | "polyglot" | "terminal-bench";

interface Layout {
  list: (dir: string) => Promise<string[]>;
  load: (dir: string, name: string) => Promise<EvalTask>;
}

const sparkNames = async (dir: string) =>
  (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory() && !entry.name.startsWith(".")).map((entry) => entry.name).sort();

const layouts: Record<SuiteLayout, Layout> = {
  spark: { list: sparkNames, load: async (dir, name) => (await loadEvalTasks(join(dir), [name]))[0] as EvalTask },
  polyglot: { list: listPolyglotTasks, load: loadPolyglotTask },
  "terminal-bench": { list: listTerminalBenchTasks, load: loadTerminalBenchTask },
};

/** Which documented layout `dir` holds: Spark's own (task.json), Aider's polyglot, or Terminal-Bench style. */
export async function detectLayout(dir: string): Promise<SuiteLayout> {
  if (!(await isDirectory(dir))) throw new UsageError(`The eval suite ${dir} is not a directory: pass a folder or a git URL to --suite.`);
  if (await isPolyglotSuite(dir)) return "polyglot";
  if (await isSparkSuite(dir)) return "spark";
  if (await isTerminalBenchSuite(dir)) return "terminal-bench";
  throw new EvalTaskError(
    `${dir} is no eval suite Spark knows: expected folders with task.json (Spark's layout), <language>/exercises/practice/<name>/ (Aider's polyglot benchmark) or folders with run-tests.sh (Terminal-Bench style).`,
  );
}

export interface SuiteSelection {
  /** Comma-separated names or globs ("python/*", "js-*"); a plain name that is not in the suite is refused. */
  tasks?: string;
  limit?: number;
}

/** The tasks `selection` picks, in name order; only those are read (a broken task left out does not stop the run). */
export async function loadSuite(dir: string, selection: SuiteSelection = {}): Promise<{ layout: SuiteLayout; tasks: EvalTask[] }> {
  const layout = await detectLayout(dir);
  const names = await layouts[layout].list(dir);
  const patterns = (selection.tasks ?? "").split(",").map((pattern) => pattern.trim()).filter(Boolean);
  const unknown = patterns.filter((pattern) => !picomatch.scan(pattern).isGlob && !names.includes(pattern));
  if (unknown.length > 0) throw new UsageError(`No eval task named ${unknown.join(", ")}. Tasks: ${names.slice(0, 40).join(", ")}${names.length > 40 ? ", …" : ""}.`);
  const matches = patterns.length === 0 ? () => true : picomatch(patterns, { dot: false });
  const picked = names.filter((name) => matches(name)).slice(0, selection.limit ?? Number.POSITIVE_INFINITY);
  if (picked.length === 0) throw new UsageError(`--tasks ${selection.tasks ?? ""} picks no task of the suite ${dir}. Tasks: ${names.slice(0, 40).join(", ")}.`);
  return { layout, tasks: await Promise.all(picked.map((name) => layouts[layout].load(dir, name))) };
}
