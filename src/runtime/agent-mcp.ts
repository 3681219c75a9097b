import { readFileSync } from "node:fs";
import type { LoadedConfig } from "../config/index.js";
import { McpConnections } from "../mcp/index.js";

export const sparkVersion = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/**
 * Starts the MCP servers of `[mcp.servers]` (the user's config only; a project's `[mcp]` was dropped by
 * loadConfig and its warning is reported here) for an agent session; each failure is reported, none is fatal.
 */
export function startAgentMcp(loaded: LoadedConfig, workspace: string, report: (message: string) => void): Promise<McpConnections> {
  for (const warning of loaded.warnings) report(warning);
  return McpConnections.start(loaded.config.mcp, {
    cwd: workspace,
    clientVersion: sparkVersion,
    onProblem: (server, message) => report(`MCP server "${server}": ${message}`),
  });
}
