import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { toolError, type Tool, type ToolContext, type ToolResult } from "../agent/index.js";
import { approvalFor } from "../sandbox/index.js";

/** One tool as an MCP server lists it. */
export interface McpToolInfo {
  name: string;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
}

export interface McpToolOwner {
  /** The server's name in config. */
  server: string;
  client: Client;
  /** True: runs without asking. */
  trusted: boolean;
  timeoutMs: number;
}

/** The name the model sees: `mcp__SERVER__TOOL`, as Codex and Claude Code name them, kept to what APIs accept. */
export function mcpToolName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
}

type ContentItem = { type: string; text?: string; resource?: { uri?: string; text?: string }; uri?: string };

/** MCP results are lists of content items; the model gets their text, and a note for what is not text. */
function contentText(content: readonly ContentItem[]): string {
  return content
    .map((item) => {
      if (item.type === "text") return item.text ?? "";
      if (item.type === "resource") return item.resource?.text ?? `[resource ${item.resource?.uri ?? ""}]`;
      if (item.type === "resource_link") return `[resource ${item.uri ?? ""}]`;
      return `[${item.type} content, not shown]`;
    })
    .join("\n");
}

/** Runs without asking when the server is trusted or in full-auto; otherwise asks like a shell command. */
async function allowed(owner: McpToolOwner, detail: string, context: ToolContext): Promise<string | undefined> {
  if (owner.trusted || approvalFor(context.approvalMode, "command") === "allow") return undefined;
  if (!context.ask) {
    return `MCP tools need approval in ${context.approvalMode} mode and nobody can be asked here; run with --approval full-auto, or mark the server trusted (trusted = true under [mcp.servers.${owner.server}]).`;
  }
  return (await context.ask({ kind: "tool", detail })) ? undefined : "the user declined this tool call.";
}

/** An MCP server's tool behind the agent's Tool interface, under the same approval modes as shell commands. */
export function mcpTool(owner: McpToolOwner, info: McpToolInfo, name: string = mcpToolName(owner.server, info.name)): Tool {
  return {
    definition: { name, description: `${info.description ?? info.name} (MCP server "${owner.server}")`, parameters: info.inputSchema },
    async execute(args, context): Promise<ToolResult> {
      const refusal = await allowed(owner, `MCP ${owner.server}.${info.name} ${JSON.stringify(args)}`, context);
      if (refusal) return toolError(refusal);
      const result = await owner.client.callTool({ name: info.name, arguments: args }, undefined, {
        timeout: owner.timeoutMs,
        ...(context.signal ? { signal: context.signal } : {}),
      });
      const text = "content" in result && Array.isArray(result.content) ? contentText(result.content as ContentItem[]) : JSON.stringify(result);
      const structured = "structuredContent" in result && result.structuredContent && !text ? JSON.stringify(result.structuredContent) : "";
      return { ok: result.isError !== true, output: `${text}${structured}` || "(no output)" };
    },
  };
}
