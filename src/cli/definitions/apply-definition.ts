import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";
import type { ApplyCommandOptions } from "../commands/apply-command.js";

export const registerApplyCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("apply")
    .description("apply a patch (Codex apply_patch, SEARCH/REPLACE, unified diff or JSON string replacements) from FILE or stdin, or with --lazy a lazy edit of FILE; exit 0 applied, 3 partly applied, 1 refused")
    .argument("[file]", "the patch file; '-' or nothing reads stdin (with --lazy: the file to edit)")
    .argument("[snippet]", "with --lazy: the lazy edit ('// ... existing code ...' where code is unchanged); '-' or nothing reads stdin")
    .option("-C, --cwd <dir>", "the workspace the patch paths are relative to (default: the current directory)")
    .option("--check", "validate and report what would happen, write nothing")
    .option("--allow-protected", "let the patch write protected paths (.git, core.hooksPath, .husky, .spark, .vscode, .idea, [sandbox] protected)")
    .option("--json", "print the apply report as JSON")
    .option("--lazy", "FILE is a file to edit and SNIPPET its new version with '... existing code ...' markers: merged deterministically, else by the model")
    .option("--merge-model <name>", "with --lazy: always merge with this (fast) model, the old file as its prediction; the merge may only change what the snippet touched")
    // The root command also has --json and parses it wherever it appears: read it through optsWithGlobals.
    .action(async (file: string | undefined, snippet: string | undefined, options: ApplyCommandOptions, command: Command) => {
      const { applyCommand } = await import("../commands/apply-command.js");
      setExitCode(await applyCommand(file, { ...command.optsWithGlobals<ApplyCommandOptions & GlobalOptions>(), ...options }, snippet));
    });
};
