import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";

export const registerModelsCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("models")
    .description("list configured models, where each resolves, and whether it is usable now")
    .option("--json", "machine-readable output")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { listModels } = await import("../commands/models-command.js");
      setExitCode(await listModels({ ...command.optsWithGlobals<GlobalOptions>(), ...options }));
    });
};
