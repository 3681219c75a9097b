import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { showConfig } from "./config-command.js";
import { exitCodes } from "./exit-codes.js";
import { addGlobalOptions, type GlobalOptions } from "./global-options.js";
import { listModels } from "./models-command.js";
import { reportError } from "./report-error.js";
import { runPrompt, type RunOptions } from "./run-command.js";

const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

function buildProgram(setExitCode: (code: number) => void): Command {
  const program = addGlobalOptions(new Command("spark"))
    .description("Spark: a real-time coding assistant. Streams an answer from any model, with speed figures.")
    .version(packageJson.version)
    .argument("[task...]", "what to do; piped stdin is appended")
    .option("--json", "print one JSON stream event per line")
    .option("--system <text>", "system prompt")
    .exitOverride()
    .action(async (task: string[], options: RunOptions) => setExitCode(await runPrompt(task, options)));

  program
    .command("models")
    .description("list configured models, where each resolves, and whether it is usable now")
    .option("--json", "machine-readable output")
    .action((options: { json?: boolean }, command: Command) =>
      setExitCode(listModels({ ...command.optsWithGlobals<GlobalOptions>(), ...options })),
    );

  program
    .command("config")
    .description("print the effective configuration and where each value came from")
    .option("--json", "machine-readable output")
    .action((options: { json?: boolean }, command: Command) =>
      setExitCode(showConfig({ ...command.optsWithGlobals<GlobalOptions>(), ...options })),
    );
  return program;
}

async function main(): Promise<void> {
  let exitCode: number = exitCodes.ok;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help, the version or its own usage message.
      exitCode = error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    } else {
      exitCode = reportError(error);
    }
  }
  process.exitCode = exitCode;
}

await main();
