import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Tool } from "../agent/index.js";
import type { McpSection, McpServerEntry } from "../config/index.js";
import { mcpTool, type McpToolInfo, type McpToolOwner } from "./mcp-tool.js";
import { StderrTail } from "./stderr-tail.js";
import { uniqueToolNames } from "./tool-names.js";
import { errorMessage } from "../core/index.js";

/**
 * The MCP servers of a session: each configured server is started (stdio) or connected (streamable
 * HTTP) when the session starts, in parallel, and its tools are listed. A server that fails to start,
 * does not answer in time, or cannot list its tools is reported and left out; the session goes on.
 */

export interface McpStartOptions {
  /** Where stdio servers run unless their entry says otherwise (the workspace). */
  cwd: string;
  /** Told about each server that could not be used, with the reason. */
  onProblem(server: string, message: string): void;
  clientVersion: string;
}

const defaultStartupTimeoutMs = 10_000;
const defaultToolTimeoutMs = 120_000;

/** Pages of tools/list followed, and tools kept, per server: a server that pages forever is cut off. */
const maxToolPages = 50;
const maxToolsPerServer = 1000;
/** How long a failed server's stderr is awaited, for its last words. */
const stderrSettleMs = 1000;

function transportFor(entry: McpServerEntry, cwd: string): { transport: Transport; stderr: StderrTail | undefined } {
  if (entry.url) return { transport: new StreamableHTTPClientTransport(new URL(entry.url), { requestInit: { headers: entry.headers ?? {} } }), stderr: undefined };
  const transport = new StdioClientTransport({
    command: entry.command ?? "",
    args: entry.args ?? [],
    env: { ...getDefaultEnvironment(), ...entry.env },
    cwd: entry.cwd ?? cwd,
    // Piped, never shown (log lines would break the terminal UI): its last lines explain a failure to start.
    stderr: "pipe",
  });
  return { transport, stderr: new StderrTail(transport.stderr) };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Every page of tools/list (following nextCursor), up to the bounds; `cut` says a server had more. */
export async function listAllTools(client: Pick<Client, "listTools">, timeoutMs: number): Promise<{ tools: McpToolInfo[]; cut: boolean }> {
  const tools: McpToolInfo[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < maxToolPages; page++) {
    const listed = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: timeoutMs });
    tools.push(...(listed.tools as McpToolInfo[]));
    cursor = listed.nextCursor;
    if (cursor === undefined || cursor === "") return { tools: tools.slice(0, maxToolsPerServer), cut: tools.length > maxToolsPerServer };
    // A cursor seen before would page in a circle.
    if (seen.has(cursor) || tools.length >= maxToolsPerServer) break;
    seen.add(cursor);
  }
  return { tools: tools.slice(0, maxToolsPerServer), cut: true };
}

interface Connected {
  client: Client;
  owner: McpToolOwner;
  infos: McpToolInfo[];
  cut: boolean;
}

function describeFailure(entry: McpServerEntry, error: unknown, stderr: string[]): string {
  const how = entry.url ? `connecting to ${entry.url}` : `starting \`${[entry.command, ...(entry.args ?? [])].join(" ")}\``;
  const said = stderr.length > 0 ? ` The server's stderr ended with:\n${stderr.map((line) => `    ${line}`).join("\n")}\n` : " ";
  return `${how} failed: ${errorMessage(error)}.${said}Its tools are not available; check [mcp.servers] in your config.toml.`;
}

async function connect(name: string, entry: McpServerEntry, options: McpStartOptions): Promise<Connected> {
  const client = new Client({ name: "spark", version: options.clientVersion });
  const timeoutMs = entry.startup_timeout_ms ?? defaultStartupTimeoutMs;
  const { transport, stderr } = transportFor(entry, options.cwd);
  try {
    await withTimeout(client.connect(transport), timeoutMs, `MCP server "${name}"`);
    const { tools, cut } = await listAllTools(client, timeoutMs);
    const owner = { server: name, client, trusted: entry.trusted ?? false, timeoutMs: entry.tool_timeout_ms ?? defaultToolTimeoutMs };
    return { client, owner, infos: tools, cut };
  } catch (error) {
    await stderr?.settled(stderrSettleMs);
    await client.close().catch(() => undefined);
    throw new Error(describeFailure(entry, error, stderr?.text() ?? []), { cause: error });
  }
}

export class McpConnections {
  private constructor(
    private readonly clients: Client[],
    readonly tools: readonly Tool[],
  ) {}

  static none(): McpConnections {
    return new McpConnections([], []);
  }

  static async start(section: McpSection | undefined, options: McpStartOptions): Promise<McpConnections> {
    const entries = Object.entries(section?.servers ?? {}).filter(([, entry]) => entry.enabled !== false);
    const results = await Promise.allSettled(entries.map(([name, entry]) => connect(name, entry, options)));
    const connected: Connected[] = [];
    results.forEach((result, index) => {
      const [name] = entries[index] as [string, McpServerEntry];
      if (result.status === "rejected") return options.onProblem(name, errorMessage(result.reason));
      connected.push(result.value);
      if (result.value.cut) options.onProblem(name, `it lists more tools than Spark takes (${maxToolsPerServer} tools or ${maxToolPages} pages); only the first ${result.value.infos.length} are available.`);
    });
    const listed = connected.flatMap((each) => each.infos.map((info) => ({ each, info, server: each.owner.server, tool: info.name })));
    const { names, renamed } = uniqueToolNames(listed);
    for (const { server, tool, name } of renamed) {
      options.onProblem(server, `its tool "${tool}" is offered to the model as "${name}": its name, sanitised and cut to 64 characters, is the same as another MCP tool's.`);
    }
    const tools = listed.map(({ each, info }, index) => mcpTool(each.owner, info, (names[index] as { name: string }).name));
    return new McpConnections(
      connected.map((each) => each.client),
      tools,
    );
  }

  /** Closes the connections and stops the servers Spark started. */
  async close(): Promise<void> {
    await Promise.allSettled(this.clients.map((client) => client.close()));
  }
}
