import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";
import type { ExecOptions } from "../commands/exec-command.js";

export const registerExecCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("exec")
    .description("run the coding agent on a task, non-interactively")
    .argument("<task...>", "what to do")
    .option("-a, --approval <mode>", "suggest | auto-edit | full-auto (commands run in the bubblewrap sandbox)", "auto-edit")
    .option("--json", "print one JSON agent event per line")
    .option("--max-turns <n>", "most model calls for the task", "50")
    .option("--network", "allow network access to sandboxed commands (only the hosts in [sandbox] allow_hosts, when set)")
    .option("-C, --cwd <dir>", "work in this directory instead of the current one")
    .option("--review", "have the review model review the change; the drafter revises until it approves")
    .option("--review-model <name>", 'the review model (default: the "review" alias)')
    .option("--no-escalate", "never review or hand off a change the escalation policy picks")
    .option("--max-review-rounds <n>", "most drafting rounds, the first draft included (default 3)")
    .action(async (task: string[], options: ExecOptions, command: Command) => {
      const { execTask } = await import("../commands/exec-command.js");
      setExitCode(await execTask(task, { ...command.optsWithGlobals<GlobalOptions>(), ...options }));
    });
};
