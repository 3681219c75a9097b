import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { UndoCommandOptions } from "../commands/undo-command.js";

export const registerUndoCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("undo")
    .description("restore the files changed by the latest patch (or checkpoint ID) as they were before it; --list shows the history")
    .argument("[id]", "the checkpoint to undo (default: the latest one not undone)")
    .option("-C, --cwd <dir>", "the workspace (default: the current directory)")
    .option("--list", "show the checkpoints of this workspace, newest first")
    .option("-n, --limit <count>", "how many checkpoints --list shows", "20")
    .option("--force", "restore even files that were changed since the checkpoint (those changes are lost)")
    .option("--allow-protected", "restore files under .git, hooks, .spark and other protected paths too (only for a checkpoint of `spark apply --allow-protected`)")
    .option("--json", "machine-readable output")
    // The root command also has --json and parses it wherever it appears: read it through optsWithGlobals.
    .action(async (id: string | undefined, options: UndoCommandOptions, command: Command) => {
      const { undoCommand } = await import("../commands/undo-command.js");
      setExitCode(await undoCommand(id, { ...command.optsWithGlobals<UndoCommandOptions>(), ...options }));
    });
};
