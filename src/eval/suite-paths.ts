import { isAbsolute, join, normalize, sep } from "node:path";
import { EvalTaskError } from "../core/index.js";

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
