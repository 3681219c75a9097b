import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { mcpFactsServerCommand, startHttpFactsServer } from "./support/mcp-facts-server.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type ChatBody = { messages: { role: string; content: string | null }[]; tools?: { function: { name: string } }[] };

const toml = (value: unknown) => JSON.stringify(value);

/** A workspace whose .spark/config.toml starts the facts server (trusted or not) and a server that cannot start. */
function workspace(trusted: boolean): string {
  const dir = tempDir("spark-mcp-");
  const { command, args } = mcpFactsServerCommand();
  mkdirSync(join(dir, ".spark"));
  writeFileSync(
    join(dir, ".spark", "config.toml"),
    [
      "[mcp.servers.facts]",
      `command = ${toml(command)}`,
      `args = ${toml(args)}`,
      `trusted = ${trusted}`,
      "[mcp.servers.broken]",
      `command = ${toml(join(dir, "no-such-server"))}`,
      "startup_timeout_ms = 5000",
    ].join("\n"),
  );
  return dir;
}

/** The model looks the fact up through server `serverName`, then answers `answer`; spark exec runs in `cwd`. */
async function execLookup(cwd: string, serverName: string, answer: string) {
  server = await startScriptedServer([
    { kind: "tool-calls", calls: [{ id: "m1", name: `mcp__${serverName}__lookup_fact`, arguments: JSON.stringify({ key: "spark-port" }) }] },
    { kind: "text", chunks: [answer] },
  ]);
  const result = await runSpark(["exec", "--base-url", server.url, "-m", "coder", "which port?"], { cwd, timeoutMs: 60_000 });
  const bodies = server.requests.map((request) => request.body as ChatBody);
  return { result, bodies, toolAnswer: bodies[1]?.messages.filter((message) => message.role === "tool").at(-1)?.content };
}

describe("spark exec with MCP servers from config", () => {
  it("starts a stdio server, offers its tools, runs the model's call and feeds the result back; a broken server is reported", async () => {
    const { result, bodies, toolAnswer } = await execLookup(workspace(true), "facts", "Port 4100.");
    expect(result.stderr).toContain('MCP server "broken"');
    expect(result.stderr).toContain("Its tools are not available");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Port 4100.");
    expect(bodies[0]?.tools?.map((tool) => tool.function.name)).toEqual(expect.arrayContaining(["read_file", "apply_patch", "mcp__facts__lookup_fact"]));
    expect(toolAnswer).toContain("fact #7731");
  });

  it("an untrusted server's tool needs approval: exec cannot ask, so the call is refused and the model is told how to allow it", async () => {
    const { result, toolAnswer } = await execLookup(workspace(false), "facts", "I could not look it up.");
    expect(result.code).toBe(0);
    expect(toolAnswer).toContain("need approval");
    expect(toolAnswer).toContain("trusted = true");
    expect(toolAnswer).not.toContain("fact #7731");
  });

  it("connects to a streamable HTTP server with the configured headers and calls its tool", async () => {
    const facts = await startHttpFactsServer();
    try {
      const cwd = tempDir("spark-mcp-http-");
      mkdirSync(join(cwd, ".spark"));
      writeFileSync(join(cwd, ".spark", "config.toml"), ["[mcp.servers.remote]", `url = "${facts.url}"`, 'headers = { Authorization = "Bearer test-token" }', "trusted = true", ""].join("\n"));
      const { result, toolAnswer } = await execLookup(cwd, "remote", "Done.");
      expect(result.stderr).not.toContain("MCP server");
      expect(result.code).toBe(0);
      expect(toolAnswer).toContain("fact #7731");
      expect(facts.headers.every((header) => header.authorization === "Bearer test-token")).toBe(true);
    } finally {
      await facts.close();
    }
  });
});
