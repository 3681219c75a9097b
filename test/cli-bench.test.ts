import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

/** `spark bench` through the built CLI: a failure is an error with its cause, never a table of n/a. */
describe("spark bench", () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("fails with the cause and the workload when no server answers at --base-url", async () => {
    const gone = await startScriptedServer([]);
    await gone.close();
    const result = await runSpark(["bench", "--base-url", gone.url, "-m", "qwen"], { timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The benchmark workload "warm-up" failed');
    expect(result.stderr).toContain(`Cannot reach ${gone.url}`);
    expect(result.stdout).not.toContain("n/a");
    expect(result.stdout).not.toContain("| yes |");
  });

  it("fails with the window and what to shrink when the workloads do not fit the model", async () => {
    const model = await ensureTestModel();
    const cwd = tempDir();
    const result = await runSpark(["bench", "-m", `local:${model}`, "--max-tokens", "16"], { cwd, timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The benchmark workload "rewrite a file" failed');
    expect(result.stderr).toContain("context window of 2,048 tokens");
    expect(result.stderr).toContain("a shorter --source, fewer --turns or a smaller --max-tokens");
    expect(result.stdout).toBe("");
    expect(existsSync(join(cwd, "spark-bench-results"))).toBe(false);
  });

  it("never claims identical outputs when the model generated nothing", async () => {
    server = await startScriptedServer(() => ({ kind: "text", chunks: [] }));
    const result = await runSpark(["bench", "--base-url", server.url, "-m", "qwen"], { timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("| yes |");
    expect(result.stdout).toContain("no text generated: nothing compared");
    expect(result.stderr).toContain("no output was compared");
  });

  it("refuses a --source that does not exist", async () => {
    const missing = join(tempDir(), "missing.ts");
    const result = await runSpark(["bench", "--base-url", "http://127.0.0.1:9/v1", "-m", "qwen", "--source", missing], { timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--source ${missing}: there is no such file`);
  });

  it("saves each run in a new folder under ./spark-bench-results/, and only where --out says otherwise", async () => {
    server = await startScriptedServer(() => ({ kind: "text", chunks: ["// hi\n", "export const x = 1;\n"] }));
    const cwd = tempDir();
    const args = ["bench", "--base-url", server.url, "-m", "qwen", "--max-tokens", "16"];
    const first = await runSpark(args, { cwd, timeoutMs: 30_000 });
    const second = await runSpark(args, { cwd, timeoutMs: 30_000 });
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.stdout).toContain("| rewrite a file | prediction = old file |");
    const runs = readdirSync(join(cwd, "spark-bench-results"));
    expect(runs).toHaveLength(2);
    for (const run of runs) expect(JSON.parse(readFileSync(join(cwd, "spark-bench-results", run, "speed.json"), "utf8"))).toMatchObject({ model: expect.any(String) });
    expect(first.stderr).toContain(`Results saved in ${join(cwd, "spark-bench-results")}`);

    const out = join(cwd, "bench", "results");
    const chosen = await runSpark([...args, "--out", out], { cwd, timeoutMs: 30_000 });
    expect(chosen.code).toBe(0);
    expect(readFileSync(join(out, "speed.md"), "utf8")).toContain("# Speed levers");
    expect(readdirSync(join(cwd, "spark-bench-results"))).toHaveLength(2);
  });
});
