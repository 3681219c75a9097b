import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";
import type { BenchOptions } from "../commands/bench-command.js";

export const registerBenchCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("bench")
    .description("measure each speed lever (prediction, prompt lookup, draft model, prefix reuse) against plain decoding of the same model")
    .option("--source <file>", "the code file the rewrite and continue workloads use (default: a bundled TypeScript sample)")
    .option("--turns <n>", "turns in the follow-up conversation, each holding the source (default 2)")
    .option("--json", "print the results as JSON")
    .option("--out <dir>", "write speed.json and speed.md into this folder (default: a new folder under ./spark-bench-results/)")
    .action(async (options: BenchOptions, command: Command) => {
      const { runBench } = await import("../commands/bench-command.js");
      setExitCode(await runBench({ ...command.optsWithGlobals<GlobalOptions>(), ...options }));
    });
};
