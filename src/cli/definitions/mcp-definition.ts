import type { Command } from "commander";
import type { RegisterCommand } from "./register-command.js";
import type { GlobalOptions } from "../common/global-options.js";
import type { McpOptions } from "../commands/mcp-command.js";

export const registerMcpCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("mcp")
    .description("run Spark as an MCP server over stdio: tools apply_patch (the patch engine) and complete (the fast model)")
    .option("-C, --cwd <dir>", "the workspace patches apply in (default: the enclosing git repository, else the current directory)")
    .action(async (options: McpOptions, command: Command) => {
      const { serveMcp } = await import("../commands/mcp-command.js");
      setExitCode(await serveMcp({ ...command.optsWithGlobals<GlobalOptions>(), ...options }));
    });
};
