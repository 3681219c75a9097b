import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";
import type { ReviewOptions } from "../commands/review-command.js";

export const registerReviewCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("review")
    .description("have the review model review a change (the working tree against HEAD by default); exit 0 approve, 1 revise or reject")
    .option("--diff <range>", "review a git revision range, e.g. main..HEAD")
    .option("--staged", "review the staged changes")
    .option("--task <text>", "what the change was meant to do, for the reviewer")
    .option("--review-model <name>", 'the review model (default: -m, else the "review" alias)')
    .option("--no-checks", "do not run the project's checks")
    .option("--json", "print the verdict, the checks and the accounting as one JSON object")
    .option("-C, --cwd <dir>", "the repository to review instead of the current directory")
    .action(async (options: ReviewOptions, command: Command) => {
      const { reviewChange } = await import("../commands/review-command.js");
      setExitCode(await reviewChange({ ...command.optsWithGlobals<GlobalOptions>(), ...options }));
    });
};
