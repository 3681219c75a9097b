import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runSpark, tempDir } from "./support/run-spark.js";

const script = resolve(fileURLToPath(new URL("../scripts/make-test-model.ts", import.meta.url)));

function makeTestModel(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

describe("npm run make-test-model (the README's set-up)", () => {
  it("writes a model whose window holds the agent's instructions and tools, so a first `spark exec` task runs", async () => {
    const model = join(tempDir("spark-make-model-"), "test-model.gguf");
    const made = await makeTestModel(["--out", model]);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    expect(made.stdout).toContain("8192-token window");

    const result = await runSpark(["exec", "-m", `local:${model}`, "--max-tokens", "16", "Split the input into smaller parts"], { timeoutMs: 60_000 });
    expect(result.stderr).not.toMatch(/context window/);
    expect(result.stderr).toMatch(/\[completed after 1 model call · \d+ prompt \+ 16 output tokens/);
    expect(result.code).toBe(0);
  }, 90_000);

  it("refuses a window that is not a positive integer, naming the flag", async () => {
    const made = await makeTestModel(["--out", join(tempDir(), "m.gguf"), "--context", "8k"]);
    expect(made.stderr).toContain('--context must be a positive integer, got "8k"');
    expect(made.code).toBe(1);
  });
});
