export { bundledTasksDir, loadEvalTasks, type EvalTask } from "./eval-task.js";
export { formatEvalMarkdown, modelTotals, type EvalModelTotals, type EvalSummary } from "./eval-results.js";
export { runEval } from "./run-eval.js";
export { runEvalTask, type EvalSetup, type EvalTaskResult } from "./run-eval-task.js";
