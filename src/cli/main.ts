import { Command, CommanderError } from "commander";
import { exitCodes } from "./common/exit-codes.js";
import { addGlobalOptions, addGlobalOptionsToCommands } from "./common/global-options.js";
import { refuseMistypedCommand } from "./commands/mistyped-command.js";
import { reportError } from "./common/report-error.js";
import { sparkVersion } from "../core/index.js";
import type { RunOptions } from "./commands/run-command.js";
import { definitionsFor } from "./definitions/command-table.js";

/*
 * Start-up: this file and definitions/ (names, arguments, options, help) load nothing but commander, so
 * `spark --help` and `--version` are quick; each command's code (commands/) is imported by its action,
 * when it runs; `spark NAME …` defines NAME alone (definitions/command-table.ts). `--version` never gets here
 * (bin/spark.js answers it). test/startup-imports.test.ts fails if a heavy module creeps back into the start.
 */

function buildProgram(setExitCode: (code: number) => void): Command {
  // Positional: the program's own options (--system, --prediction) end at a command's name; see addGlobalOptionsToCommands.
  const program = addGlobalOptions(new Command("spark").enablePositionalOptions())
    .description("Spark: a real-time coding assistant. Streams an answer from any model, with speed figures.")
    .version(sparkVersion)
    .argument("[task...]", "what to do; piped stdin is appended")
    .option("--json", "print one JSON stream event per line")
    .option("--system <text>", "system prompt")
    .option("--prediction <file>", "text the answer should largely repeat, e.g. the file being rewritten (Predicted Outputs; speculative decoding locally)")
    .exitOverride()
    .action(async (task: string[], options: RunOptions) => {
      refuseMistypedCommand(task, program.commands.map((command) => command.name()));
      const { runPrompt } = await import("./commands/run-command.js");
      setExitCode(await runPrompt(task, options));
    });
  for (const register of definitionsFor(process.argv.slice(2))) register(program, setExitCode);
  addGlobalOptionsToCommands(program);
  pointToHelp(program);
  return program;
}

/**
 * Commander's own usage errors ("unknown option '--x'", a missing argument) say what is wrong but not
 * where the right spelling is: each command's end with the help that lists what it accepts.
 */
function pointToHelp(command: Command, parents = ""): void {
  const name = `${parents}${command.name()}`;
  command.showHelpAfterError(`(\`${name} --help\` lists what it accepts)`);
  for (const sub of command.commands) pointToHelp(sub, `${name} `);
}

/** `spark … | head` closes the pipe early: stop quietly, as Unix tools do, instead of crashing. */
function exitQuietlyOnClosedPipe(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(exitCodes.ok);
  });
}

async function main(): Promise<void> {
  exitQuietlyOnClosedPipe();
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
