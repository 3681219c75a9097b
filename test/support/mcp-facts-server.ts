/**
 * An MCP server written for the tests, over stdio with the official SDK: one tool, `lookup_fact`, that
 * answers from a fixed table, so a test can tell its answer reached the model. Started by `spark` from
 * config (`mcpFactsServerCommand` gives the command line).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";

export const FACTS: Record<string, string> = { "spark-port": "The Spark gateway listens on port 4100 by default (fact #7731)." };

/** `node --import tsx this-file`: how config starts this server (absolute paths, so any cwd works). */
export function mcpFactsServerCommand(): { command: string; args: string[] } {
  return { command: process.execPath, args: ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href, fileURLToPath(import.meta.url)] };
}

async function main(): Promise<void> {
  const server = new McpServer({ name: "facts", version: "1.0.0" });
  server.registerTool(
    "lookup_fact",
    { description: "Look a fact up by its key", inputSchema: { key: z.string() } },
    async ({ key }) => {
      const fact = FACTS[key];
      return fact ? { content: [{ type: "text", text: fact }] } : { content: [{ type: "text", text: `no fact named ${key}` }], isError: true };
    },
  );
  await server.connect(new StdioServerTransport());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
