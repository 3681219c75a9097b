import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const sparkBin = join(repoRoot, "bin", "spark.js");

export interface SparkResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunSparkOptions {
  /** Working directory; a fresh temp dir by default. */
  cwd?: string;
  /** Added to a clean environment: HOME and SPARK_HOME point into a temp dir, no API keys leak in. */
  env?: Record<string, string>;
  stdin?: string;
  /** Sends SIGINT once stdout contains this many characters. */
  interruptAfterChars?: number;
  /** Sends SIGINT once this returns true (polled every 50 ms): a moment the test can see, not a guess of time. */
  interruptWhen?: () => boolean;
  timeoutMs?: number;
}

/** A fresh directory to act as HOME / workspace for one CLI run. */
export function tempDir(prefix = "spark-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the built `spark` binary as a user would, and collects its output and exit status. */
export function runSpark(args: string[], options: RunSparkOptions = {}): Promise<SparkResult> {
  const home = tempDir("spark-home-");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    SPARK_HOME: join(home, ".spark"),
    ...options.env,
  };
  const child = spawn(process.execPath, [sparkBin, ...args], { cwd: options.cwd ?? tempDir(), env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let interrupted = false;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    if (options.interruptAfterChars !== undefined && !interrupted && stdout.length >= options.interruptAfterChars) {
      interrupted = true;
      child.kill("SIGINT");
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  child.stdin.end(options.stdin ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const { interruptWhen } = options;
  const poll = interruptWhen
    ? setInterval(() => {
        if (!interruptWhen()) return;
        clearInterval(poll);
        child.kill("SIGINT");
      }, 50)
    : undefined;
  return new Promise((resolvePromise) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Parses `--json` output: one StreamEvent per line. */
export function jsonEvents(stdout: string): { type: string; [key: string]: unknown }[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { type: string });
}
