import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { errorMessage, EvalTaskError } from "../core/index.js";
import { readSuiteText } from "./suite-paths.js";
import { toolchainsFor } from "./toolchains.js";

/** A file or folder of the suite copied into the test workspace after the agent finished. */
export interface HiddenCopy {
  /** Absolute, inside the suite. */
  from: string;
  /** Relative to the workspace ("." for its root); checked to stay inside it. */
  to: string;
}

/**
 * One task of an eval suite, whatever its layout: the fixture the agent works on (`repoDir` less
 * `exclude`), an optional set-up command (run in the sandbox on every fresh copy of the fixture), the
 * tests copied in only after the agent has finished (`hidden`, so it never sees them) and the command
 * that runs them, and the programs that command needs (`toolchains`).
 */
export interface EvalTask {
  name: string;
  instruction: string;
  language: string;
  check: string;
  /** The task's folder in the suite: nothing outside it is read or copied (links are resolved first). */
  root: string;
  repoDir: string;
  /** Paths relative to repoDir that are not part of the fixture (tests, example solutions, metadata). */
  exclude: readonly string[];
  hidden: readonly HiddenCopy[];
  setup?: string;
  toolchains: readonly string[];
}

const taskFile = z.strictObject({
  instruction: z.string().min(1),
  language: z.string().min(1),
  check: z.string().min(1),
});

/** The suite that ships with Spark: <package>/eval-tasks (this file is at dist/eval/ or src/eval/). */
export const bundledTasksDir = fileURLToPath(new URL("../../eval-tasks", import.meta.url));

export const isDirectory = (path: string) => stat(path).then((info) => info.isDirectory(), () => false);

async function readTaskFile(root: string, path: string, name: string): Promise<unknown> {
  let text: string;
  try {
    text = await readSuiteText(root, path, name);
  } catch (error) {
    throw new EvalTaskError(`Eval task "${name}" has no readable task.json (${path}): add one with instruction, language and check, or remove the folder.`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EvalTaskError(`Eval task "${name}": ${path} is not valid JSON (${errorMessage(error)}).`, { cause: error });
  }
}

/**
 * A task of Spark's own layout (`task.json`, `repo/`, `hidden/`), checked whole before any task runs: a
 * broken one is a usage error of the run (exit 2), so a suite is never half run because one folder is
 * incomplete.
 */
async function loadTask(dir: string, name: string): Promise<EvalTask> {
  const path = join(dir, name, "task.json");
  const parsed = taskFile.safeParse(await readTaskFile(join(dir, name), path, name));
  if (!parsed.success) throw new EvalTaskError(`Eval task "${name}": ${path} is not a valid eval task: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}.`);
  const repoDir = join(dir, name, "repo");
  const hiddenDir = join(dir, name, "hidden");
  for (const [folder, what] of [[repoDir, "repo/ (the fixture the agent works on)"], [hiddenDir, "hidden/ (the tests run afterwards)"]] as const) {
    if (!(await isDirectory(folder))) throw new EvalTaskError(`Eval task "${name}" has no ${what}: expected the directory ${folder}. Add it, or leave the task out with --tasks.`);
  }
  const { language, check, instruction } = parsed.data;
  return { name, instruction, language, check, root: join(dir, name), repoDir, exclude: [], hidden: [{ from: hiddenDir, to: "." }], toolchains: toolchainsFor(language, check) };
}

/** Whether `dir` is a suite in Spark's own layout: some folder in it has a task.json. */
export async function isSparkSuite(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true });
  const checks = await Promise.all(entries.filter((entry) => entry.isDirectory()).map((entry) => stat(join(dir, entry.name, "task.json")).then(() => true, () => false)));
  return checks.some(Boolean);
}

/** The named tasks of a suite in Spark's own layout. */
export async function loadEvalTasks(dir: string, names: readonly string[]): Promise<EvalTask[]> {
  return Promise.all(names.map((name) => loadTask(dir, name)));
}
