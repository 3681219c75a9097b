import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { DiffCommandOptions } from "../commands/diff-command.js";

export const registerDiffCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("diff")
    .description("show, as a unified diff, what the patches applied in this workspace (or one session) changed")
    .option("-C, --cwd <dir>", "the workspace (default: the current directory)")
    .option("--session <id>", "only this agent session's patches (the first characters of its id are enough)")
    .option("--stat", "one line per file with lines added and removed")
    .option("--json", "machine-readable output")
    // The root command also has --json and parses it wherever it appears: read it through optsWithGlobals.
    .action(async (options: DiffCommandOptions, command: Command) => {
      const { diffCommand } = await import("../commands/diff-command.js");
      setExitCode(await diffCommand({ ...command.optsWithGlobals<DiffCommandOptions>(), ...options }));
    });
};
