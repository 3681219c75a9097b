import type { Command } from "commander";

/**
 * Options every command understands; they become the last config layer ("flag --x", load-with-flags.ts).
 * This file only defines them: the CLI imports it at start, so it loads nothing heavy (no config parser).
 */
export interface GlobalOptions {
  model?: string;
  profile?: string;
  baseUrl?: string;
  server?: string;
  apiKeyEnv?: string;
  temperature?: string;
  maxTokens?: string;
  contextSize?: string;
  threads?: string;
  draftModel?: string;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option("-m, --model <name>", "model: alias, OpenAI model, PROVIDER/MODEL, local:PATH.gguf or hf:OWNER/REPO/FILE.gguf")
    .option("-p, --profile <name>", "use [profiles.NAME] from config")
    .option("--base-url <url>", "send the model name to this OpenAI-compatible server")
    .option("--server <url>", "use a Spark gateway (spark serve) at this URL; its key comes from $SPARK_API_KEY")
    .option("--api-key-env <name>", "environment variable that holds the key for --base-url")
    .option("-t, --temperature <number>", "sampling temperature, 0 to 2")
    .option("--max-tokens <number>", "most tokens to generate")
    .option("--context-size <number>", "context window in tokens (allocated for local models; the budget for remote ones)")
    .option("--threads <number>", "CPU threads for local models")
    .option("--draft-model <path>", "a small GGUF with the same vocabulary that drafts tokens for a local model");
}

/**
 * Gives every command that runs (not groups such as `keys`) the global options, under their own heading in
 * its help. With positional options on the program, a flag after a command name is parsed by that command
 * alone, so one it does not know (`spark exec --system x`) is refused instead of silently dropped.
 */
export function addGlobalOptionsToCommands(program: Command): void {
  for (const command of program.commands) {
    if (command.commands.length > 0) {
      addGlobalOptionsToCommands(command);
    } else if (command.name() !== "help") {
      // The help option is made lazily; make it now so that it stays under the command's own options.
      command.helpOption(true);
      addGlobalOptions(command.optionsGroup("Global options (also accepted before the command):"));
    }
  }
}
