import { Command, CommanderError } from "commander";
import { exitCodes } from "./common/exit-codes.js";
import { addGlobalOptions, addGlobalOptionsToCommands } from "./common/global-options.js";
import { refuseMistypedCommand } from "./commands/mistyped-command.js";
import { reportError } from "./common/report-error.js";
import { sparkVersion } from "../core/index.js";
import type { RunOptions } from "./commands/run-command.js";
import { registerApplyCommand } from "./definitions/apply-definition.js";
import { registerBenchCommand } from "./definitions/bench-definition.js";
import { registerConfigCommand } from "./definitions/config-definition.js";
import { registerDiffCommand } from "./definitions/diff-definition.js";
import { registerEngineCommand } from "./definitions/engine-definition.js";
import { registerEvalCommand } from "./definitions/eval-definition.js";
import { registerExecCommand } from "./definitions/exec-definition.js";
import { registerHelpCommand } from "./definitions/help-definition.js";
import { registerKeysCommand } from "./definitions/keys-definition.js";
import { registerLspCommand } from "./definitions/lsp-definition.js";
import { registerMcpCommand } from "./definitions/mcp-definition.js";
import { registerModelsCommand } from "./definitions/models-definition.js";
import type { RegisterCommand } from "./definitions/register-command.js";
import { registerResumeCommand } from "./definitions/resume-definition.js";
import { registerReviewCommand } from "./definitions/review-definition.js";
import { registerServeCommand } from "./definitions/serve-definition.js";
import { registerUndoCommand } from "./definitions/undo-definition.js";
import { registerUsageCommand } from "./definitions/usage-definition.js";

/*
 * Start-up: this file and definitions/ (names, arguments, options, help) load nothing but commander, so
 * `spark --help` and `--version` are quick; each command's code (commands/) is imported by its action,
 * when it runs. test/startup-imports.test.ts fails if a heavy module creeps back into the start.
 */

const commands: RegisterCommand[] = [registerModelsCommand, registerEngineCommand, registerConfigCommand, registerExecCommand, registerApplyCommand, registerUndoCommand, registerDiffCommand, registerBenchCommand, registerServeCommand, registerKeysCommand, registerUsageCommand, registerLspCommand, registerResumeCommand, registerReviewCommand, registerEvalCommand, registerMcpCommand, registerHelpCommand];

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
  for (const register of commands) register(program, setExitCode);
  addGlobalOptionsToCommands(program);
  return program;
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
