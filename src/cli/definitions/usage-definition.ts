import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";
import type { UsageOptions } from "../commands/usage-command.js";

export const registerUsageCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("usage")
    .description("show every rate-limit bucket of the gateway's keys: limits, use, what is left, when it refills")
    .option("--key <name>", "only this key")
    .option("--redis <url>", "read the buckets from this Redis server (as `spark serve --redis`)")
    .option("--json", "machine-readable output")
    .action(async (options: UsageOptions, command: Command) => {
      const { showUsage } = await import("../commands/usage-command.js");
      setExitCode(await showUsage({ ...command.optsWithGlobals<GlobalOptions>(), ...options }));
    });
};
