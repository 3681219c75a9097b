export { bundledTasksDir, type EvalTask, type HiddenCopy } from "./eval-task.js";
export { EvalJournal, journalPath, type JournalEntry } from "./eval-journal.js";
export { formatEvalMarkdown } from "./eval-report.js";
export { modelTotals, pairedDifference, summarise, wilsonInterval, type EvalModelTotals, type EvalSummary, type PairedDifference } from "./eval-results.js";
export { fetchSuite, isSuiteUrl } from "./fetch-suite.js";
export { detectLayout, loadSuite, type SuiteLayout, type SuiteSelection } from "./load-suite.js";
export { runEval } from "./run-eval.js";
export { runEvalTask, type EvalSetup, type EvalTaskResult } from "./run-eval-task.js";
export { missingToolchains, toolchainsFor, type ProbeRunner } from "./toolchains.js";
