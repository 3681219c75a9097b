import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { errorMessage, EvalTaskError, UsageError } from "../core/index.js";

/**
 * One task of the eval suite, a folder: `task.json` (the instruction, the language, the command that runs
 * the hidden tests), `repo/` (the fixture the agent works on) and `hidden/` (tests copied in only after
 * the agent has finished, so it never sees them).
 */
export interface EvalTask {
  name: string;
  instruction: string;
  language: string;
  check: string;
  repoDir: string;
  hiddenDir: string;
}

const taskFile = z.strictObject({
  instruction: z.string().min(1),
  language: z.string().min(1),
  check: z.string().min(1),
});

/** The suite that ships with Spark: <package>/eval-tasks (this file is at dist/eval/ or src/eval/). */
export const bundledTasksDir = fileURLToPath(new URL("../../eval-tasks", import.meta.url));

const isDirectory = (path: string) => stat(path).then((info) => info.isDirectory(), () => false);

async function readTaskFile(path: string, name: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
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
 * A task, checked whole before any task runs: a broken one is a usage error of the run (exit 2), so a
 * suite is never half run because one folder is incomplete.
 */
async function loadTask(dir: string, name: string): Promise<EvalTask> {
  const path = join(dir, name, "task.json");
  const parsed = taskFile.safeParse(await readTaskFile(path, name));
  if (!parsed.success) throw new EvalTaskError(`Eval task "${name}": ${path} is not a valid eval task: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}.`);
  const task = { name, ...parsed.data, repoDir: join(dir, name, "repo"), hiddenDir: join(dir, name, "hidden") };
  for (const [folder, what] of [[task.repoDir, "repo/ (the fixture the agent works on)"], [task.hiddenDir, "hidden/ (the tests run afterwards)"]] as const) {
    if (!(await isDirectory(folder))) throw new EvalTaskError(`Eval task "${name}" has no ${what}: expected the directory ${folder}. Add it, or leave the task out with --tasks.`);
  }
  return task;
}

/** The tasks under `dir`, by name; `only` picks some (an unknown name is refused, listing the known ones). */
export async function loadEvalTasks(dir: string, only?: readonly string[]): Promise<EvalTask[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const unknown = (only ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new UsageError(`No eval task named ${unknown.join(", ")}. Tasks: ${names.join(", ")}.`);
  return Promise.all(names.filter((name) => !only || only.includes(name)).map((name) => loadTask(dir, name)));
}
