/**
 * The benchmark's servers as child processes on loopback: each prints one line with its URL, which is
 * awaited; every child is stopped when the benchmark ends, however it ends (an exit handler kills what
 * is left, and the bench's own children also exit when their stdin closes).
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface ChildServer {
  name: string;
  url: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The first capture group is the server's URL. */
  ready: RegExp;
  /** Keep stdin open as a pipe: the bench's own servers exit when it closes. */
  stdinPipe?: boolean;
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

export async function startServer(name: string, command: string, args: string[], options: StartOptions): Promise<ChildServer> {
  installExitHook();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: [options.stdinPipe ? "pipe" : "ignore", "pipe", "pipe"] });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => running.delete(child));
  let output = "";
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString("utf8")).slice(-20_000));
  child.stderr?.on("data", keep);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${options.timeoutMs ?? 30_000} ms:\n${output}`)), options.timeoutMs ?? 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      keep(chunk);
      const match = options.ready.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  return {
    name,
    url,
    pid: child.pid ?? -1,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin?.end();
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a command to completion (a CLI step such as `spark keys create`) and returns its stdout. */
export function runToEnd(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(" ")} failed (${code}):\n${stderr}`));
    });
  });
}
