import { createHash } from "node:crypto";
import { mcpToolName } from "./mcp-tool.js";

/** What the model sees of one MCP tool, and where it comes from. */
export interface NamedTool {
  server: string;
  tool: string;
  name: string;
}

const maxName = 64;

/**
 * The names the model sees: `mcp__SERVER__TOOL`, sanitised and cut to 64 characters, so two tools can end
 * up with one name (long or accented names). Each name after the first of a collision gets a short hash of
 * its server and tool (stable from run to run); `renamed` lists them, to report.
 */
export function uniqueToolNames(tools: readonly { server: string; tool: string }[], taken: Iterable<string> = []): { names: NamedTool[]; renamed: NamedTool[] } {
  const used = new Set(taken);
  const names: NamedTool[] = [];
  const renamed: NamedTool[] = [];
  for (const { server, tool } of tools) {
    let name = mcpToolName(server, tool);
    if (used.has(name)) {
      const hash = createHash("sha256").update(`${server}\0${tool}`).digest("hex");
      for (let length = 6; used.has(name) && length <= hash.length; length += 2) name = `${mcpToolName(server, tool).slice(0, maxName - length - 1)}_${hash.slice(0, length)}`;
      renamed.push({ server, tool, name });
    }
    used.add(name);
    names.push({ server, tool, name });
  }
  return { names, renamed };
}
