import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSandbox, runUnsandboxed, type CommandRequest, type CommandResult } from "./index.js";

// The behaviour both runners share: output, exit codes, cwd checks, timeout, abort, the output cap,
// and cleaning up background processes. Isolation itself is in bubblewrap-sandbox.test.ts.

const hasBwrap = spawnSync("bwrap", ["--version"]).status === 0;
type Runner = (request: CommandRequest) => Promise<CommandResult>;

const runners: [string, boolean, () => Promise<Runner>][] = [
  ["sandbox", !hasBwrap, async () => { const sandbox = await createSandbox(); return (r) => sandbox.run(r); }],
  ["unsandboxed", false, async () => runUnsandboxed],
];

describe.each(runners)("%s runner", (_name, skip, makeRunner) => {
  let run: Runner;
  let ws: string;
  beforeAll(async () => {
    if (!skip) run = await makeRunner();
  });
  beforeEach(async () => {
    ws = await mkdtemp(join(tmpdir(), "spark-run-"));
  });
  afterEach(async () => {
    await rm(ws, { recursive: true, force: true });
  });

  it.skipIf(skip)("returns output in order and the exit code", async () => {
    const result = await run({ command: "echo one; echo two >&2; echo three; exit 3", workspace: ws });
    expect(result).toMatchObject({ exitCode: 3, signal: null, output: "one\ntwo\nthree\n", truncated: false });
    expect(result).toMatchObject({ timedOut: false, aborted: false });
  });

  it.skipIf(skip)("runs in a cwd inside the workspace and refuses one outside", async () => {
    await mkdir(join(ws, "sub"));
    expect((await run({ command: "pwd", workspace: ws, cwd: "sub" })).output).toBe(`${join(ws, "sub")}\n`);
    await expect(run({ command: "pwd", workspace: ws, cwd: tmpdir() })).rejects.toMatchObject({ code: "command_refused" });
    await expect(run({ command: "pwd", workspace: ws, cwd: "../" })).rejects.toThrow(/outside the workspace/);
  });

  it.skipIf(skip)("passes request.env but not the parent's environment", async () => {
    process.env["SPARK_TEST_SECRET"] = "do-not-leak";
    try {
      const result = await run({ command: 'echo "$FOO|$TERM|${SPARK_TEST_SECRET:-none}"', workspace: ws, env: { FOO: "bar" } });
      expect(result.output).toBe("bar|dumb|none\n");
    } finally {
      delete process.env["SPARK_TEST_SECRET"];
    }
  });

  it.skipIf(skip)("kills a command that runs past its timeout, with its background children", async () => {
    const result = await run({ command: "(sleep 1; touch late) & sleep 100", workspace: ws, timeoutMs: 300 });
    expect(result).toMatchObject({ timedOut: true, aborted: false, exitCode: null, signal: "SIGKILL" });
    expect(result.durationMs).toBeLessThan(2_000);
    await sleep(1_200);
    expect(existsSync(join(ws, "late"))).toBe(false);
  });

  it.skipIf(skip)("kills the command at once on abort", async () => {
    const controller = new AbortController();
    // Late enough that the sandbox (workspace scans, mounts, socket filter) has started the command even on
    // a loaded machine; "at once" is what the duration checks.
    setTimeout(() => controller.abort(), 1_500);
    const result = await run({ command: "echo started; sleep 100", workspace: ws, signal: controller.signal });
    expect(result).toMatchObject({ aborted: true, timedOut: false, output: "started\n" });
    expect(result.durationMs).toBeLessThan(3_000);
  });

  it.skipIf(skip)("does not start a command whose signal is already aborted", async () => {
    const result = await run({ command: "touch ran", workspace: ws, signal: AbortSignal.abort() });
    expect(result.aborted).toBe(true);
    expect(existsSync(join(ws, "ran"))).toBe(false);
  });

  it.skipIf(skip)("caps the output, keeping head and tail", async () => {
    const result = await run({ command: "seq 1 100000", workspace: ws, outputLimitBytes: 1_000 });
    expect(result.truncated).toBe(true);
    expect(result.output.startsWith("1\n2\n3\n")).toBe(true);
    expect(result.output.endsWith("99999\n100000\n")).toBe(true);
    expect(result.output).toMatch(/\[\.\.\. \d+ bytes of output elided \.\.\.\]/);
    expect(result.output.length).toBeLessThan(1_100);
  });

  it.skipIf(skip)("ends when the command ends, killing a background grandchild", async () => {
    const started = Date.now();
    const result = await run({ command: "(sleep 0.5; touch late) & echo parent done", workspace: ws });
    expect(result).toMatchObject({ exitCode: 0, output: "parent done\n" });
    expect(Date.now() - started).toBeLessThan(400);
    await sleep(900);
    expect(existsSync(join(ws, "late"))).toBe(false);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
