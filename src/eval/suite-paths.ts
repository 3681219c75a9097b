import { readFile, realpath } from "node:fs/promises";
import { isAbsolute, join, normalize, sep } from "node:path";
import { EvalTaskError, isInside } from "../core/index.js";

/**
 * A path a suite's own file names (a `.meta/config.json` entry, a task folder): relative, and inside
 * the folder it is relative to once normalised. A suite is content of unknown origin; "../.." or an
 * absolute path would read or write outside the task.
 */
export function suitePath(base: string, relative: string, task: string): string {
  const normalised = normalize(relative);
  if (relative === "" || isAbsolute(relative) || normalised === ".." || normalised.startsWith(`..${sep}`) || relative.includes("\0")) {
    throw new EvalTaskError(`Eval task "${task}" names the path "${relative}", which leaves its folder; a suite may only name paths inside each task. Fix the suite, or leave the task out with --tasks.`);
  }
  return join(base, normalised);
}

/** The same check for a path inside a workspace; returns the normalised relative path. */
export function insideRelative(relative: string, task: string): string {
  suitePath("/", relative, task);
  return normalize(relative);
}

/**
 * `path` with every link resolved, refused unless it stays inside the task's folder `root`: a suite's
 * `.docs -> ~/.ssh` would otherwise send a secret to the model as the instruction, or copy it into the
 * workspace.
 */
export async function realInside(root: string, path: string, task: string): Promise<string> {
  const [realRoot, real] = await Promise.all([realpath(root), realpath(path)]);
  if (!isInside(realRoot, real)) throw new EvalTaskError(`Eval task "${task}": ${path} leads outside the task's folder (a symbolic link); Spark reads nothing of a suite outside it. Fix the suite, or leave the task out with --tasks.`);
  return real;
}

/** A text file of the task, read only when it lies inside the task's folder. */
export async function readSuiteText(root: string, path: string, task: string): Promise<string> {
  return readFile(await realInside(root, path, task), "utf8");
}
