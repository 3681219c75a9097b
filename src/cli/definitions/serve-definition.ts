import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";
import type { ServeOptions } from "../commands/serve-command.js";

export const registerServeCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("serve")
    .description("run the OpenAI-compatible gateway: local and upstream models, API keys, rate-limit buckets per model family, /metrics; -m NAME serves and lists that model")
    .option("--host <host>", "address to listen on (default 127.0.0.1; another needs API keys)")
    .option("--port <port>", "port to listen on; 0 picks a free one (default 8787)")
    .option("--redis <url>", "keep rate buckets in Redis, shared by several gateways (default: SQLite)")
    .action(async (options: ServeOptions, command: Command) => {
      const { serve } = await import("../commands/serve-command.js");
      setExitCode(await serve({ ...command.optsWithGlobals<GlobalOptions>(), ...options }));
    });
};
