import type { Command } from "commander";
// The settings file itself, not the lsp folder's face: that loads the language server, and help must not.
import { defaultLspSettings } from "../../lsp/lsp-settings.js";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";
import type { LspOptions } from "../commands/lsp-command.js";

export const registerLspCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("lsp")
    .description("language server for editors, on stdin/stdout: inline completions, 'edit selection' code actions, speed metrics")
    .option("--stdio", "use stdin/stdout (the default; accepted because editors pass it)")
    .option("--review-model <name>", "the strong model the editor can switch to (default: the alias 'review' when configured)")
    .option("--debounce-ms <n>", `wait this long after a keystroke before calling the model (default ${defaultLspSettings.debounceMs})`)
    .option("--completion-tokens <n>", `most tokens of one inline suggestion (default ${defaultLspSettings.maxCompletionTokens})`)
    .action(async (options: LspOptions, command: Command) => {
      const { runLanguageServer } = await import("../commands/lsp-command.js");
      setExitCode(await runLanguageServer({ ...command.optsWithGlobals<GlobalOptions>(), ...options }));
    });
};
