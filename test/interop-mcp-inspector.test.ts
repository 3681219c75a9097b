/**
 * The MCP Inspector's CLI mode (pinned @modelcontextprotocol/inspector 2.12.0, installed by
 * scripts/install-interop.sh into .interop/mcp-inspector) against the real `spark mcp` over stdio, as a
 * user would point it at Spark: tools/list, a tools/call of apply_patch that really edits a file of the
 * workspace, and a tools/call of complete on the tiny local model.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { interopBin, requireInterop } from "./support/interop-clients.js";
import { sparkBin, tempDir } from "./support/run-spark.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

const inspectorBin = interopBin("mcp-inspector", "mcp-inspector");
const installed = requireInterop("the MCP Inspector 2.12 CLI", [inspectorBin]);

interface InspectorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe.runIf(installed)("the MCP Inspector 2.12 CLI against spark mcp", () => {
  let model: string;
  let workspace: string;
  let home: string;

  beforeAll(async () => {
    model = await ensureTestModel();
    workspace = tempDir("spark-inspector-work-");
    home = tempDir("spark-inspector-home-");
  });

  /** `mcp-inspector --cli node bin/spark.js mcp -m local:MODEL ARGS…`, in the workspace, with a home of its own. */
  function inspect(args: string[]): Promise<InspectorRun> {
    return new Promise((resolve) => {
      const child = spawn(inspectorBin, ["--cli", process.execPath, sparkBin, "mcp", "-m", `local:${model}`, ...args], {
        cwd: workspace,
        env: { PATH: process.env.PATH ?? "", HOME: home, SPARK_HOME: join(home, ".spark"), NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  function parsed(run: InspectorRun): { tools?: { name: string; inputSchema: { required?: string[] } }[]; content?: { type: string; text: string }[]; isError?: boolean } {
    expect(run.code, `exit ${run.code}\n${run.stdout}\n${run.stderr}`).toBe(0);
    return JSON.parse(run.stdout) as ReturnType<typeof parsed>;
  }

  it("tools/list shows apply_patch, edit_file and complete with their schemas", async () => {
    const list = parsed(await inspect(["--method", "tools/list"]));
    const tools = new Map(list.tools?.map((tool) => [tool.name, tool]));
    expect([...tools.keys()].sort()).toEqual(["apply_patch", "complete", "edit_file"]);
    expect(tools.get("apply_patch")?.inputSchema.required).toEqual(["patch"]);
    expect(tools.get("edit_file")?.inputSchema.required?.sort()).toEqual(["path", "snippet"]);
    expect(tools.get("complete")?.inputSchema.required).toContain("prompt");
  }, 60_000);

  it("tools/call apply_patch edits the workspace", async () => {
    writeFileSync(join(workspace, "greeting.txt"), "hello world\n");
    const patch = ["*** Begin Patch", "*** Update File: greeting.txt", "@@", "-hello world", "+hello spark", "*** End Patch"].join("\n");
    const result = parsed(await inspect(["--method", "tools/call", "--tool-name", "apply_patch", "--tool-arg", `patch=${patch}`]));
    expect(result.isError).toBe(false);
    expect(result.content?.[0]?.text).toMatch(/Patch applied/);
    expect(readFileSync(join(workspace, "greeting.txt"), "utf8")).toBe("hello spark\n");
  }, 60_000);

  it("tools/call complete answers with the tiny model and its speed line", async () => {
    const result = parsed(await inspect(["--method", "tools/call", "--tool-name", "complete", "--tool-arg", "prompt=hi", "--tool-arg", "max_tokens=8"]));
    expect(result.isError ?? false).toBe(false);
    expect(result.content?.[0]?.text.length).toBeGreaterThan(0);
    expect(result.content?.at(-1)?.text).toMatch(/TTFT .*8 output tokens/);
  }, 60_000);
});
