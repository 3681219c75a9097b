import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { ResumeOptions } from "../commands/resume-command.js";

export const registerResumeCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("resume")
    .description("list this workspace's saved sessions and reopen one in the interactive session")
    .argument("[id]", "the session to reopen (the first characters of its id are enough)")
    .option("--list", "print the saved sessions, newest first")
    .option("--last", "reopen the most recent session")
    .option("--json", "with --list: machine-readable output")
    .option("-a, --approval <mode>", "suggest | auto-edit | full-auto (commands run in the bubblewrap sandbox)", "auto-edit")
    .option("--network", "allow network access to sandboxed commands (only the hosts in [sandbox] allow_hosts, when set)")
    .option("-C, --cwd <dir>", "work in this directory instead of the current one")
    // The root command also has --json and parses it wherever it appears: read it through optsWithGlobals.
    .action(async (id: string | undefined, options: ResumeOptions, command: Command) => {
      const { resumeCommand } = await import("../commands/resume-command.js");
      setExitCode(await resumeCommand(id, { ...command.optsWithGlobals<ResumeOptions>(), ...options }));
    });
};
