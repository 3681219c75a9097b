import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runSpark, type SparkResult } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";

/** `spark apply --lazy FILE SNIPPET` through the built CLI (`npm run build` first). */

let ws: string;
let home: string;
let server: ScriptedServer | undefined;

beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), "spark-lazy-cli-ws-"));
  home = await mkdtemp(join(tmpdir(), "spark-lazy-cli-home-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await Promise.all([ws, home].map((dir) => rm(dir, { recursive: true, force: true })));
});

const SOURCE = ["export function a(): number {", "  return 1;", "}", "", "export function b(): number {", "  return 2;", "}", ""].join("\n");

function spark(args: string[], stdin?: string): Promise<SparkResult> {
  return runSpark(args, { cwd: ws, env: { SPARK_HOME: home }, ...(stdin === undefined ? {} : { stdin }) });
}

describe("spark apply --lazy", () => {
  it("merges a snippet deterministically, records a checkpoint, and spark undo restores the file", async () => {
    await writeFile(join(ws, "ab.ts"), SOURCE);
    await writeFile(join(home, "snippet.ts"), "// ... existing code ...\nexport function b(): number {\n  return 3;\n}\n");
    const result = await spark(["apply", "--lazy", "ab.ts", join(home, "snippet.ts")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Merged deterministically");
    expect(await readFile(join(ws, "ab.ts"), "utf8")).toBe(SOURCE.replace("return 2;", "return 3;"));
    expect((await spark(["undo"])).code).toBe(0);
    expect(await readFile(join(ws, "ab.ts"), "utf8")).toBe(SOURCE);
  });

  it("refuses (exit 1) a snippet it cannot place when no model is configured, reading the snippet from stdin", async () => {
    await writeFile(join(ws, "ab.ts"), SOURCE);
    const result = await spark(["apply", "--lazy", "ab.ts"], "// ...\n  return 9;\n// ...\n");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("does not hold");
    expect(await readFile(join(ws, "ab.ts"), "utf8")).toBe(SOURCE);
  });

  it("--merge-model naming no model: refused (exit 1) saying the merge was asked for and why the model could not be opened", async () => {
    await writeFile(join(ws, "ab.ts"), SOURCE);
    const result = await spark(["apply", "--lazy", "--merge-model", "fast", "ab.ts", "-"], "// ... existing code ...\nexport function b(): number {\n  return 3;\n}\n");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("The lazy edit of ab.ts was refused: a model merge was asked for (--merge-model), and the merge model could not be opened: Unknown model \"fast\"");
    expect(await readFile(join(ws, "ab.ts"), "utf8")).toBe(SOURCE);
  });

  it("--merge-model: the model merges with the old file as prediction; a stray change is refused with the hunk shown", async () => {
    await writeFile(join(ws, "ab.ts"), SOURCE);
    const honest = SOURCE.replace("return 2;", "return 3;");
    const hostile = honest.replace("return 1;", "return process.exit(1);");
    server = await startScriptedServer([{ kind: "text", chunks: [hostile] }, { kind: "text", chunks: [honest.slice(0, 20), honest.slice(20)] }]);
    const snippet = "// ... existing code ...\nexport function b(): number {\n  return 3;\n}\n";
    const refused = await spark(["--base-url", server.url, "apply", "--lazy", "--merge-model", "coder", "ab.ts", "-"], snippet);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("Stray hunk");
    expect(refused.stdout).toContain("-  return 1;");
    expect(refused.stdout).toContain("+  return process.exit(1);");
    expect(await readFile(join(ws, "ab.ts"), "utf8")).toBe(SOURCE);
    expect(server.requests[0]?.body.prediction).toEqual({ type: "content", content: SOURCE.replace(/\n$/, "") });

    const applied = await spark(["--base-url", server.url, "apply", "--lazy", "--merge-model", "coder", "ab.ts", "-"], snippet);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("Merged by");
    expect(await readFile(join(ws, "ab.ts"), "utf8")).toBe(honest);
  });
});
