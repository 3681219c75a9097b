/**
 * An MCP server written for the tests, over stdio with the official SDK: one tool, `lookup_fact`, that
 * answers from a fixed table, so a test can tell its answer reached the model. Started by `spark` from
 * config (`mcpFactsServerCommand` gives the command line).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";

export const FACTS: Record<string, string> = { "spark-port": "The Spark gateway listens on port 4100 by default (fact #7731)." };

/** `node --import tsx this-file`: how config starts this server (absolute paths, so any cwd works). */
export function mcpFactsServerCommand(): { command: string; args: string[] } {
  return { command: process.execPath, args: ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href, fileURLToPath(import.meta.url)] };
}

function factsServer(): McpServer {
  const server = new McpServer({ name: "facts", version: "1.0.0" });
  server.registerTool(
    "lookup_fact",
    { description: "Look a fact up by its key", inputSchema: { key: z.string() } },
    async ({ key }) => {
      const fact = FACTS[key];
      return fact ? { content: [{ type: "text", text: fact }] } : { content: [{ type: "text", text: `no fact named ${key}` }], isError: true };
    },
  );
  return server;
}

/**
 * The same server over streamable HTTP on a loopback port (stateless: a server and transport per
 * request, as the SDK's examples do), with the headers of each request recorded.
 */
export async function startHttpFactsServer(): Promise<{ url: string; headers: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
  const headers: http.IncomingHttpHeaders[] = [];
  const httpServer = http.createServer((req, res) => {
    headers.push(req.headers);
    const server = factsServer();
    const transport = new StreamableHTTPServerTransport({}) // no session id generator: stateless;
    res.on("close", () => void transport.close().then(() => server.close()));
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    headers,
    close: () => new Promise((resolve) => {
      httpServer.closeAllConnections();
      httpServer.close(() => resolve());
    }),
  };
}

async function main(): Promise<void> {
  await factsServer().connect(new StdioServerTransport());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
