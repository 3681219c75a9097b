import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runSpark, tempDir } from "./support/run-spark.js";

const script = resolve(fileURLToPath(new URL("../scripts/make-test-model.ts", import.meta.url)));
const readme = resolve(fileURLToPath(new URL("../README.md", import.meta.url)));

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

  it("the README's alias line under Commands makes `-m spark` and `-m review` the test model, from an empty home", async () => {
    const clone = tempDir("spark-readme-clone-");
    const home = tempDir("spark-readme-home-");
    mkdirSync(join(clone, ".models"));
    expect((await makeTestModel(["--out", join(clone, ".models", "test-model.gguf")])).code).toBe(0);
    // The line exactly as the README gives it, run by a shell in the clone, as a reader would paste it.
    const line = readFileSync(readme, "utf8").split("\n").find((text) => text.startsWith("mkdir -p ~/.spark && printf '[aliases]"));
    expect(line).toBeDefined();
    const pasted = spawnSync("bash", ["-c", line ?? ""], { cwd: clone, env: { PATH: process.env.PATH ?? "", HOME: home }, encoding: "utf8" });
    expect(pasted.status, pasted.stderr).toBe(0);
    const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
    for (const alias of ["spark", "review"]) {
      // From another folder: the alias holds an absolute path.
      const result = await runSpark(["-m", alias, "--max-tokens", "4", "hi"], { env, timeoutMs: 60_000 });
      expect(result.stderr).toMatch(new RegExp(`\\[${alias} · .*4 output tokens`));
      expect(result.code).toBe(0);
    }
  }, 90_000);

  it("refuses a window that is not a positive integer, naming the flag", async () => {
    const made = await makeTestModel(["--out", join(tempDir(), "m.gguf"), "--context", "8k"]);
    expect(made.stderr).toContain('--context must be a positive integer, got "8k"');
    expect(made.code).toBe(1);
  });
});
