import { spawn, type ChildProcess } from "node:child_process";
import { sparkBin } from "./run-spark.js";

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the built `spark serve --port 0` and reads the URL from its one stdout line. `startTimeoutMs`:
 * longer for one that loads a local model (`-m`) while others do on a loaded machine.
 */
export async function startGateway(cwd: string, env: Record<string, string>, args: string[] = [], startTimeoutMs = 20_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [sparkBin, "serve", "--port", "0", ...args], { cwd, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start:\n${stderr}`)), startTimeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited (${code}):\n${stderr}`));
    });
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        // Exited already (or killed by a signal, e.g. a test's kill -9): its exit event is not heard again.
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", (code) => {
          clearTimeout(timer);
          resolve(code);
        });
        child.kill("SIGTERM");
      }),
  };
}
