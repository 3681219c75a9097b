import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Tool } from "../agent/index.js";
import type { McpSection, McpServerEntry } from "../config/index.js";
import { mcpTool, type McpToolInfo } from "./mcp-tool.js";

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

function transportFor(entry: McpServerEntry, cwd: string): Transport {
  if (entry.url) return new StreamableHTTPClientTransport(new URL(entry.url), { requestInit: { headers: entry.headers ?? {} } });
  return new StdioClientTransport({
    command: entry.command ?? "",
    args: entry.args ?? [],
    env: { ...getDefaultEnvironment(), ...entry.env },
    cwd: entry.cwd ?? cwd,
    // A server's log lines would break the terminal UI; its failures are reported through the client.
    stderr: "ignore",
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function connect(name: string, entry: McpServerEntry, options: McpStartOptions): Promise<{ client: Client; tools: Tool[] }> {
  const client = new Client({ name: "spark", version: options.clientVersion });
  const timeoutMs = entry.startup_timeout_ms ?? defaultStartupTimeoutMs;
  try {
    await withTimeout(client.connect(transportFor(entry, options.cwd)), timeoutMs, `MCP server "${name}"`);
    const listed = await client.listTools(undefined, { timeout: timeoutMs });
    const owner = { server: name, client, trusted: entry.trusted ?? false, timeoutMs: entry.tool_timeout_ms ?? defaultToolTimeoutMs };
    return { client, tools: listed.tools.map((info) => mcpTool(owner, info as McpToolInfo)) };
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}

function describeFailure(entry: McpServerEntry, error: unknown): string {
  const how = entry.url ? `connecting to ${entry.url}` : `starting \`${[entry.command, ...(entry.args ?? [])].join(" ")}\``;
  return `${how} failed: ${error instanceof Error ? error.message : String(error)}. Its tools are not available; check [mcp.servers] in config.toml.`;
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
    const clients: Client[] = [];
    const tools: Tool[] = [];
    results.forEach((result, index) => {
      const [name, entry] = entries[index] as [string, McpServerEntry];
      if (result.status === "rejected") return options.onProblem(name, describeFailure(entry, result.reason));
      clients.push(result.value.client);
      tools.push(...result.value.tools);
    });
    return new McpConnections(clients, tools);
  }

  /** Closes the connections and stops the servers Spark started. */
  async close(): Promise<void> {
    await Promise.allSettled(this.clients.map((client) => client.close()));
  }
}
