import { spawn, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { SparkError } from "../core/errors.js";
import { CappedOutput } from "./capped-output.js";
import type { CommandResult } from "./command-request.js";

/** What to start: the argv, where, and with which environment. */
export interface SpawnPlan {
  argv: readonly [string, ...string[]];
  cwd: string;
  env: Record<string, string>;
}

export interface SpawnLimits {
  timeoutMs: number;
  outputLimitBytes: number;
  signal: AbortSignal | undefined;
}

// After the main process exits, how long to wait for its pipes to drain before giving up on a
// descendant that escaped the process group (setsid) and still holds them open.
const DRAIN_GRACE_MS = 1_000;

/**
 * Runs a process in its own process group, collecting its output within the cap. A timeout or an
 * abort kills the whole group with SIGKILL at once: a command that ignores SIGTERM must not keep
 * the agent waiting. When the main process exits, whatever it left behind in its group
 * (background jobs) is killed too, so nothing outlives the command.
 */
export function runCaptured(plan: SpawnPlan, limits: SpawnLimits): Promise<CommandResult> {
  const started = performance.now();
  if (limits.signal?.aborted === true) return Promise.resolve(abortedBeforeStart(started));
  return new Promise((resolve, reject) => {
    const [file, ...args] = plan.argv;
    // detached: the child leads a new process group, so one kill reaches all its descendants.
    const child = spawn(file, args, { cwd: plan.cwd, env: plan.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const output = new CappedOutput(limits.outputLimitBytes);
    const state = { timedOut: false, aborted: false };
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk));

    const timer = setTimeout(() => {
      state.timedOut = true;
      killGroup(child);
    }, limits.timeoutMs);
    const onAbort = (): void => {
      state.aborted = true;
      killGroup(child);
    };
    limits.signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = (): void => {
      clearTimeout(timer);
      limits.signal?.removeEventListener("abort", onAbort);
    };

    child.once("error", (error) => {
      cleanup();
      killGroup(child);
      reject(new SparkError("internal", `Could not start ${file}: ${error.message}`, { cause: error }));
    });
    child.once("exit", (exitCode, signal) => {
      cleanup();
      killGroup(child);
      void waitForPipes(child).then(() =>
        resolve({
          exitCode,
          signal,
          output: output.toString(),
          truncated: output.truncated,
          ...state,
          durationMs: Math.round(performance.now() - started),
        }),
      );
    });
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}

/** Resolves once stdout and stderr are closed, or after a grace period (then closes them). */
function waitForPipes(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const streams = [child.stdout, child.stderr].filter((s) => s !== null && !s.closed);
    let open = streams.length;
    if (open === 0) return resolve();
    const grace = setTimeout(() => {
      for (const stream of streams) stream?.destroy();
      resolve();
    }, DRAIN_GRACE_MS);
    for (const stream of streams) {
      stream?.once("close", () => {
        open--;
        if (open === 0) {
          clearTimeout(grace);
          resolve();
        }
      });
    }
  });
}

function abortedBeforeStart(started: number): CommandResult {
  return {
    exitCode: null,
    signal: null,
    output: "",
    truncated: false,
    timedOut: false,
    aborted: true,
    durationMs: Math.round(performance.now() - started),
  };
}
