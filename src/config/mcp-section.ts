import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";

/** One MCP server: a command Spark starts (stdio) or a URL it connects to (streamable HTTP). */
const mcpServer = lazySchema(() =>
  z
    .object({
      command: z.string().min(1).optional(),
      args: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
      /** Where the command runs; the workspace by default. */
      cwd: z.string().min(1).optional(),
      url: z.url().optional(),
      headers: z.record(z.string(), z.string()).optional(),
      /** False keeps the entry but does not start it. */
      enabled: z.boolean().optional(),
      /** True: its tools run without asking, in every approval mode (like edits in auto-edit). */
      trusted: z.boolean().optional(),
      startup_timeout_ms: z.number().int().positive().optional(),
      tool_timeout_ms: z.number().int().positive().optional(),
    })
    .strict()
    .refine((server) => (server.command === undefined) !== (server.url === undefined), {
      message: "give either command (a server Spark starts) or url (a streamable HTTP server), not both",
    }),
);

/** `[mcp.servers.NAME]`: Model Context Protocol servers whose tools the agent can use. */
export const mcpSection = lazySchema(() => z.object({ servers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and -"), mcpServer()).optional() }).strict());

export type McpSection = z.infer<ReturnType<typeof mcpSection>>;
export type McpServerEntry = z.infer<ReturnType<typeof mcpServer>>;
