import type { Command } from "commander";
import { UsageError } from "../../core/index.js";
import { exitCodes } from "../common/exit-codes.js";
import { closestCommand } from "../commands/mistyped-command.js";
import type { RegisterCommand } from "./register-command.js";

/** Follows `keys create` down the command tree; a wrong name gets the nearest command at that level. */
function findCommand(program: Command, path: readonly string[]): Command {
  let command = program;
  for (const name of path) {
    const next = command.commands.find((sub) => sub.name() === name || sub.aliases().includes(name));
    if (next === undefined) {
      const names = command.commands.map((sub) => sub.name());
      const near = closestCommand(name, names);
      const prefix = command === program ? "spark" : `spark ${command.name()}`;
      const hint = near === undefined ? `the commands are: ${names.join(", ")}` : `did you mean \`${prefix} ${near}\`?`;
      throw new UsageError(`unknown command "${name}": ${hint}`);
    }
    command = next;
  }
  return command;
}

/** `spark help exec` shows the same help as `spark exec --help`. */
export const registerHelpCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("help")
    .description("show help for a command")
    .argument("[command...]", "the command, e.g. exec or keys create")
    .action((path: string[]) => {
      findCommand(program, path).outputHelp();
      setExitCode(exitCodes.ok);
    });
};
