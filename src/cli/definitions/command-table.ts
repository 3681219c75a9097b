import { registerApplyCommand } from "./apply-definition.js";
import { registerBenchCommand } from "./bench-definition.js";
import { registerConfigCommand } from "./config-definition.js";
import { registerDiffCommand } from "./diff-definition.js";
import { registerEngineCommand } from "./engine-definition.js";
import { registerEvalCommand } from "./eval-definition.js";
import { registerExecCommand } from "./exec-definition.js";
import { registerHelpCommand } from "./help-definition.js";
import { registerKeysCommand } from "./keys-definition.js";
import { registerLspCommand } from "./lsp-definition.js";
import { registerMcpCommand } from "./mcp-definition.js";
import { registerModelsCommand } from "./models-definition.js";
import type { RegisterCommand } from "./register-command.js";
import { registerResumeCommand } from "./resume-definition.js";
import { registerReviewCommand } from "./review-definition.js";
import { registerServeCommand } from "./serve-definition.js";
import { registerUndoCommand } from "./undo-definition.js";
import { registerUsageCommand } from "./usage-definition.js";

/** Every command's definition under the name it registers (command-table.test.ts holds the two together), in help order. */
export const commandTable: Readonly<Record<string, RegisterCommand>> = {
  models: registerModelsCommand,
  engine: registerEngineCommand,
  config: registerConfigCommand,
  exec: registerExecCommand,
  apply: registerApplyCommand,
  undo: registerUndoCommand,
  diff: registerDiffCommand,
  bench: registerBenchCommand,
  serve: registerServeCommand,
  keys: registerKeysCommand,
  usage: registerUsageCommand,
  lsp: registerLspCommand,
  resume: registerResumeCommand,
  review: registerReviewCommand,
  eval: registerEvalCommand,
  mcp: registerMcpCommand,
  help: registerHelpCommand,
};

/**
 * The definitions a run needs. `spark apply …` (the first argument a command's name) defines that command
 * alone: commander builds every option of every definition it is given (~270 of them, each global option
 * once per command), and agents start `spark apply`, `spark lsp` and `spark mcp` over and over (issue 23).
 * Anything else — a task, `--help`, an option first, `help CMD`, a mistyped name the typo check compares
 * with every name — gets them all.
 */
export function definitionsFor(args: readonly string[]): RegisterCommand[] {
  const first = args[0];
  const only = first !== undefined && first !== "help" && Object.hasOwn(commandTable, first) ? commandTable[first] : undefined;
  return only === undefined ? Object.values(commandTable) : [only];
}
