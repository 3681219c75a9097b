import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";

export const registerConfigCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("config")
    .description("print the effective configuration and where each value came from")
    .option("--json", "machine-readable output")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { showConfig } = await import("../commands/config-command.js");
      setExitCode(await showConfig({ ...command.optsWithGlobals<GlobalOptions>(), ...options }));
    });
};
