import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";
import type { EvalOptions } from "../commands/eval-command.js";

export const registerEvalCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("eval")
    .description("run a task suite (bundled, Aider polyglot, Terminal-Bench style, or Spark's own) against models side by side: pass rate, tokens, speed, cost")
    .option("--suite <path|url>", "the suite: a folder, or an https:// or file:// git URL cloned into ~/.spark/eval-suites (default: the bundled tasks)")
    .option("--tasks-dir <dir>", "older name of --suite")
    .option("--tasks <globs>", "only these tasks, comma-separated names or globs (python/*, js-*)")
    .option("--limit <n>", "at most this many tasks (after --tasks)")
    .option("--configs <list>", "configurations side by side, comma-separated MODEL or MODEL+REVIEWER (fast,strong,fast+strong)")
    .option("--fresh", "forget the results an earlier run stored in --out, instead of continuing it")
    .option("--refresh", "clone a --suite URL again instead of reusing the cached clone (and start the run over)")
    .option("-j, --jobs <n>", "tasks run at the same time (default 2, at most 4 per CPU)")
    .option("--review-model <name>", "review every change with this model (drafter + reviewer)")
    .option("--max-review-rounds <n>", "most drafting rounds per task with a reviewer (default 3)")
    .option("--task-timeout <seconds>", "time limit of one task (default 300)")
    .option("--out <dir>", "the run directory: results.jsonl, eval.json, eval.md and eval.svg (default bench/results)")
    .option("--json", "print the summary as JSON instead of the Markdown table")
    .option("--unsandboxed", "where the sandbox cannot run, run set-up scripts and hidden tests (and so the model's code) on this machine anyway")
    .action(async (options: EvalOptions, command: Command) => {
      const { runEvalCommand } = await import("../commands/eval-command.js");
      setExitCode(await runEvalCommand({ ...command.optsWithGlobals<GlobalOptions>(), ...options }));
    });
};
