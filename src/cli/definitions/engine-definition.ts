import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";

export const registerEngineCommand: RegisterCommand = (program, setExitCode) => {
  const engine = program.command("engine").description("the local engine's prebuilt builds: which are installed, and adding a GPU build");
  engine
    .command("list")
    .description("the builds for this machine (cpu, cuda, vulkan, metal) and whether each is installed")
    .option("--json", "machine-readable output")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { listEngineBuilds } = await import("../commands/engine-command.js");
      setExitCode(listEngineBuilds({ ...command.optsWithGlobals<{ json?: boolean }>(), ...options }));
    });
  engine
    .command("add")
    .description("download and install the pinned GPU build of the local engine (its exact version and checksum are fixed by Spark)")
    .argument("<build>", "cuda or vulkan (x64)")
    .action(async (build: string) => {
      const { addEngineBuild } = await import("../commands/engine-command.js");
      setExitCode(await addEngineBuild(build));
    });
};
