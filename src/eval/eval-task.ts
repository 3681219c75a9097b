import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError, UsageError } from "../core/index.js";

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

/** The suite that ships with Spark: <package>/eval/tasks (this file is at dist/eval/ or src/eval/). */
export const bundledTasksDir = fileURLToPath(new URL("../../eval/tasks", import.meta.url));

async function loadTask(dir: string, name: string): Promise<EvalTask> {
  const path = join(dir, name, "task.json");
  const parsed = taskFile.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) throw new ConfigError(`${path} is not a valid eval task: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}.`);
  return { name, ...parsed.data, repoDir: join(dir, name, "repo"), hiddenDir: join(dir, name, "hidden") };
}

/** The tasks under `dir`, by name; `only` picks some (an unknown name is refused, listing the known ones). */
export async function loadEvalTasks(dir: string, only?: readonly string[]): Promise<EvalTask[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const unknown = (only ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new UsageError(`No eval task named ${unknown.join(", ")}. Tasks: ${names.join(", ")}.`);
  return Promise.all(names.filter((name) => !only || only.includes(name)).map((name) => loadTask(dir, name)));
}
