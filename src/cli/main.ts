import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerApplyCommand } from "./apply-command.js";
import { registerBenchCommand } from "./bench-command.js";
import { registerConfigCommand } from "./config-command.js";
import { registerDiffCommand } from "./diff-command.js";
import { registerEvalCommand } from "./eval-command.js";
import { registerExecCommand } from "./exec-command.js";
import { exitCodes } from "./exit-codes.js";
import { addGlobalOptions, addGlobalOptionsToCommands } from "./global-options.js";
import { registerHelpCommand } from "./help-command.js";
import { registerKeysCommand } from "./keys-command.js";
import { registerLspCommand } from "./lsp-command.js";
import { registerMcpCommand } from "./mcp-command.js";
import { registerModelsCommand } from "./models-command.js";
import type { RegisterCommand } from "./register-command.js";
import { refuseMistypedCommand } from "./mistyped-command.js";
import { reportError } from "./report-error.js";
import { registerResumeCommand } from "./resume-command.js";
import { registerReviewCommand } from "./review-command.js";
import { runPrompt, type RunOptions } from "./run-command.js";
import { registerServeCommand } from "./serve-command.js";
import { registerUndoCommand } from "./undo-command.js";
import { registerUsageCommand } from "./usage-command.js";

const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const commands: RegisterCommand[] = [registerModelsCommand, registerConfigCommand, registerExecCommand, registerApplyCommand, registerUndoCommand, registerDiffCommand, registerBenchCommand, registerServeCommand, registerKeysCommand, registerUsageCommand, registerLspCommand, registerResumeCommand, registerReviewCommand, registerEvalCommand, registerMcpCommand, registerHelpCommand];

function buildProgram(setExitCode: (code: number) => void): Command {
  // Positional: the program's own options (--system, --prediction) end at a command's name; see addGlobalOptionsToCommands.
  const program = addGlobalOptions(new Command("spark").enablePositionalOptions())
    .description("Spark: a real-time coding assistant. Streams an answer from any model, with speed figures.")
    .version(packageJson.version)
    .argument("[task...]", "what to do; piped stdin is appended")
    .option("--json", "print one JSON stream event per line")
    .option("--system <text>", "system prompt")
    .option("--prediction <file>", "text the answer should largely repeat, e.g. the file being rewritten (Predicted Outputs; speculative decoding locally)")
    .exitOverride()
    .action(async (task: string[], options: RunOptions) => {
      refuseMistypedCommand(task, program.commands.map((command) => command.name()));
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
