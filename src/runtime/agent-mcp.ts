import type { LoadedConfig } from "../config/index.js";
import { sparkVersion } from "../core/index.js";
import type { McpConnections } from "../mcp/index.js";

/**
 * Starts the MCP servers of `[mcp.servers]` (the user's config only; a project's `[mcp]` was dropped by
 * loadConfig and its warning is reported here) for an agent session; each failure is reported, none is fatal.
 * The MCP client (its SDK) is imported here, when a session starts, not with the runtime.
 */
export async function startAgentMcp(loaded: LoadedConfig, workspace: string, report: (message: string) => void): Promise<McpConnections> {
  for (const warning of loaded.warnings) report(warning);
  const { McpConnections } = await import("../mcp/index.js");
  return McpConnections.start(loaded.config.mcp, {
    cwd: workspace,
    clientVersion: sparkVersion,
    onProblem: (server, message) => report(`MCP server "${server}": ${message}`),
  });
}
