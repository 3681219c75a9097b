import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerApplyCommand } from "./commands/apply-command.js";
import { registerBenchCommand } from "./commands/bench-command.js";
import { registerConfigCommand } from "./commands/config-command.js";
import { registerDiffCommand } from "./commands/diff-command.js";
import { registerEvalCommand } from "./commands/eval-command.js";
import { registerExecCommand } from "./commands/exec-command.js";
import { exitCodes } from "./common/exit-codes.js";
import { addGlobalOptions, addGlobalOptionsToCommands } from "./common/global-options.js";
import { registerHelpCommand } from "./commands/help-command.js";
import { registerKeysCommand } from "./commands/keys-command.js";
import { registerLspCommand } from "./commands/lsp-command.js";
import { registerMcpCommand } from "./commands/mcp-command.js";
import { registerModelsCommand } from "./commands/models-command.js";
import type { RegisterCommand } from "./commands/register-command.js";
import { refuseMistypedCommand } from "./commands/mistyped-command.js";
import { reportError } from "./common/report-error.js";
import { registerResumeCommand } from "./commands/resume-command.js";
import { registerReviewCommand } from "./commands/review-command.js";
import { runPrompt, type RunOptions } from "./commands/run-command.js";
import { registerServeCommand } from "./commands/serve-command.js";
import { registerUndoCommand } from "./commands/undo-command.js";
import { registerUsageCommand } from "./commands/usage-command.js";

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
