import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";

/** `spark diff --session` takes the short id the agent's summary and `spark resume --list` print. */

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const addFile = (id: string, name: string) => ({
  kind: "tool-calls" as const,
  calls: [{ id, name: "apply_patch", arguments: JSON.stringify({ patch: `*** Begin Patch\n*** Add File: ${name}\n+made by ${id}\n*** End Patch` }) }],
});

describe("spark diff --session PREFIX", () => {
  it("shows only that session's changes when given the first 8 characters of its id", async () => {
    const cwd = tempDir("spark-prefix-ws-");
    writeFileSync(join(cwd, "README"), "x\n");
    server = await startScriptedServer([addFile("one", "one.txt"), { kind: "text", chunks: ["done"] }, addFile("two", "two.txt"), { kind: "text", chunks: ["done"] }]);
    const env = { SPARK_HOME: tempDir("spark-home-") };
    const exec = (task: string) => runSpark(["exec", "--base-url", server?.url ?? "", "-m", "coder", task], { cwd, env });
    const first = await exec("add one.txt");
    expect(await exec("add two.txt")).toMatchObject({ code: 0 });
    const sessionId = /session ([0-9a-f-]{36})/.exec(first.stderr)?.[1] ?? "";
    expect(sessionId).not.toBe("");

    const diff = await runSpark(["diff", "--stat", "--session", sessionId.slice(0, 8)], { cwd, env });
    expect(diff.stderr).toBe("");
    expect(diff.stdout).toBe([" one.txt  +1 -0 (created)", " 1 file changed, +1 -0", ""].join("\n"));
    expect(diff.code).toBe(0);
  });
});
