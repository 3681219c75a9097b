import { toSparkError } from "../core/index.js";
import type { EvalTask } from "./eval-task.js";
import { runEvalTask, type EvalSetup, type EvalTaskResult } from "./run-eval-task.js";

/**
 * Runs the tasks with at most `jobs` at a time, in the order given, and yields each result as it
 * finishes. A task that fails (its model, its fixture) is a failed result, never the end of the run.
 */
export async function* runEval(tasks: readonly EvalTask[], setup: EvalSetup, jobs: number): AsyncGenerator<EvalTaskResult> {
  const finished: EvalTaskResult[] = [];
  let wake: (() => void) | undefined;
  let next = 0;
  let running = 0;
  const startNext = (): void => {
    const task = tasks[next++];
    if (!task) return;
    running++;
    void runEvalTask(task, setup)
      .catch((error: unknown): EvalTaskResult => ({
        task: task.name, language: task.language, passed: false, outcome: "failed", wallMs: 0, accounting: [], detail: toSparkError(error).message, ttftMs: null, rounds: 0, escalated: false,
      }))
      .then((result) => {
      running--;
      finished.push(result);
      startNext();
      wake?.();
    });
  };
  for (let slot = 0; slot < Math.max(1, jobs); slot++) startNext();
  while (running > 0 || finished.length > 0) {
    if (finished.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    yield* finished.splice(0);
  }
}
