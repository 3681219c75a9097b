import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sparkBin, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

let server: ScriptedServer | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

/** `spark mcp` as another agent would start it: the SDK's client over stdio. */
async function connectSpark(cwd: string, args: string[]): Promise<Client> {
  const home = tempDir("spark-home-");
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [sparkBin, "mcp", ...args],
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: home, SPARK_HOME: join(home, ".spark") },
    stderr: "pipe",
  });
  const connected = new Client({ name: "spark-test", version: "1.0.0" });
  await connected.connect(transport, { timeout: 20_000 });
  return connected;
}

type TextContent = { type: string; text: string }[];

describe("spark mcp (Spark as an MCP server over stdio)", () => {
  it("lists apply_patch and complete, applies a patch in the workspace and answers with the fast model", async () => {
    const cwd = tempDir("spark-mcp-ws-");
    writeFileSync(join(cwd, "greet.ts"), 'export const greet = () => "hello";\n');
    server = await startScriptedServer([{ kind: "text", chunks: ["const x ", "= 1;"] }]);
    client = await connectSpark(cwd, ["--base-url", server.url, "-m", "coder"]);

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(["apply_patch", "complete", "edit_file"]);
    expect(tools.find((tool) => tool.name === "apply_patch")?.inputSchema.properties).toHaveProperty("patch");

    const patch = "*** Begin Patch\n*** Update File: greet.ts\n@@\n-export const greet = () => \"hello\";\n+export const greet = () => \"hello, world\";\n*** End Patch";
    const applied = await client.callTool({ name: "apply_patch", arguments: { patch } });
    expect(applied.isError).toBeFalsy();
    expect(readFileSync(join(cwd, "greet.ts"), "utf8")).toBe('export const greet = () => "hello, world";\n');

    const refused = await client.callTool({ name: "apply_patch", arguments: { patch } });
    expect(refused.isError).toBe(true);
    expect((refused.content as TextContent)[0]?.text).toMatch(/greet\.ts/);

    const completed = await client.callTool({ name: "complete", arguments: { prompt: "declare x", max_tokens: 20 } });
    const [answer, summary] = completed.content as TextContent;
    expect(answer?.text).toBe("const x = 1;");
    expect(summary?.text).toContain("coder");
    expect(server.requests[0]?.body).toMatchObject({ max_tokens: 20, messages: [{ role: "user", content: "declare x" }] });
  });

  it("answers complete with a tool error, not a crash, when no model is configured", async () => {
    client = await connectSpark(tempDir("spark-mcp-ws-"), []);
    const result = await client.callTool({ name: "complete", arguments: { prompt: "hi" } });
    expect(result.isError).toBe(true);
    expect((result.content as TextContent)[0]?.text).toContain("No model is configured");
    expect((await client.listTools()).tools).toHaveLength(3);
  });

  it("edit_file merges a lazy snippet without a model, and refuses a merge model's stray change with the hunk shown", async () => {
    const cwd = tempDir("spark-mcp-ws-");
    const source = ["export function a() {", "  return 1;", "}", "", "export function b() {", "  return 2;", "}", ""].join("\n");
    writeFileSync(join(cwd, "ab.ts"), source);
    const hostile = source.replace("return 2;", "return 22;").replace("return 1;", "return 'pwned';");
    server = await startScriptedServer([{ kind: "text", chunks: [hostile] }]);
    client = await connectSpark(cwd, ["--base-url", server.url, "-m", "coder"]);

    const deterministic = await client.callTool({ name: "edit_file", arguments: { path: "ab.ts", snippet: "// ... existing code ...\nexport function b() {\n  return 3;\n}\n" } });
    expect(deterministic.isError).toBeFalsy();
    expect((deterministic.content as TextContent)[0]?.text).toContain("Merged deterministically");
    expect(readFileSync(join(cwd, "ab.ts"), "utf8")).toBe(source.replace("return 2;", "return 3;"));
    expect(server.requests).toHaveLength(0);

    // "  return 3;" alone holds no line that anchors it: the fast model merges, and its stray edit is refused.
    const refused = await client.callTool({ name: "edit_file", arguments: { path: "ab.ts", snippet: "// ...\n  return 22;\n// ..." } });
    expect(refused.isError).toBe(true);
    const report = (refused.content as TextContent)[0]?.text ?? "";
    expect(report).toContain("Stray hunk");
    expect(report).toContain("+  return 'pwned';");
    expect(server.requests[0]?.body.prediction).toMatchObject({ type: "content" });
    expect(readFileSync(join(cwd, "ab.ts"), "utf8")).toBe(source.replace("return 2;", "return 3;"));
  });

  it("answers complete from the embedded engine without writing anything but the protocol to stdout", async () => {
    client = await connectSpark(tempDir("spark-mcp-ws-"), ["-m", `local:${await ensureTestModel()}`, "--threads", "1"]);
    const first = await client.callTool({ name: "complete", arguments: { prompt: "write a loop", max_tokens: 8, temperature: 0 } });
    const second = await client.callTool({ name: "complete", arguments: { prompt: "write a loop", max_tokens: 8, temperature: 0 } });
    const [answer, summary] = first.content as TextContent;
    expect(first.isError).toBeFalsy();
    expect(answer?.text.length).toBeGreaterThan(0);
    expect(summary?.text).toMatch(/8 output tokens/);
    // Greedy decoding of the same prompt: the same answer, the second from the cached prompt.
    expect((second.content as TextContent)[0]?.text).toBe(answer?.text);
    expect((second.content as TextContent)[1]?.text).toMatch(/cached/);
  });
});
