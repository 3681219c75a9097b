import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";
import type { EvalOptions } from "../commands/eval-command.js";

export const registerEvalCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("eval")
    .description("run the bundled coding tasks against a model (or drafter + reviewer): pass rate, time, tokens and tokens/s per model")
    .option("--tasks <names>", "only these tasks, comma-separated")
    .option("--tasks-dir <dir>", "a suite of your own (folders with task.json, repo/, hidden/)")
    .option("-j, --jobs <n>", "tasks run at the same time (default 2)")
    .option("--review-model <name>", "review every change with this model (drafter + reviewer)")
    .option("--max-review-rounds <n>", "most drafting rounds per task with a reviewer (default 3)")
    .option("--task-timeout <seconds>", "time limit of one task (default 300)")
    .option("--out <dir>", "where eval.json and eval.md go (default bench/results)")
    .option("--json", "print the summary as JSON instead of the Markdown table")
    .option("--unsandboxed", "where the sandbox cannot run, run the hidden tests (and so the model's code) on this machine anyway")
    .action(async (options: EvalOptions, command: Command) => {
      const { runEvalCommand } = await import("../commands/eval-command.js");
      setExitCode(await runEvalCommand({ ...command.optsWithGlobals<GlobalOptions>(), ...options }));
    });
};
