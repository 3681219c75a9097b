import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { StartFailure } from "./user-messages";

/** Standard error kept for the failure message: its end, where the reason is. */
const stderrKept = 8_000;

export interface ServerProcess {
  /** The running process (for the language client); rejects when it cannot be spawned at all. */
  started: Promise<ChildProcessWithoutNullStreams>;
  /** Resolves when the process has ended, or could not be spawned: how, with the end of its stderr. */
  ended: Promise<StartFailure>;
}

/**
 * Starts `spark lsp` with pipes, without a shell (the settings' strings are arguments, never shell text),
 * and keeps the end of its standard error, so that a server that cannot start can be explained in one
 * message. Kept free of the `vscode` module, so it is tested in plain Node.
 */
export function startServerProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ServerProcess {
  const child = spawn(command, [...args], { env, stdio: "pipe", shell: false, windowsHide: true });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-stderrKept);
  });
  let spawnError: NodeJS.ErrnoException | undefined;
  const started = new Promise<ChildProcessWithoutNullStreams>((resolve, reject) => {
    child.once("spawn", () => resolve(child));
    child.once("error", (error: NodeJS.ErrnoException) => {
      spawnError ??= error;
      reject(error);
    });
  });
  // Settled by the caller's catch when spawning fails; never an unhandled rejection here.
  started.catch(() => undefined);
  const ended = new Promise<StartFailure>((resolve) => {
    const failure = (more: Partial<StartFailure>): StartFailure => ({ command, args, stderr, ...more });
    child.once("error", (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) resolve(failure({ spawnError: { code: error.code, message: error.message } }));
    });
    // "close": the process has exited and its stdio is drained, so stderr is complete.
    child.once("close", (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (spawnError && child.pid === undefined) return;
      resolve(failure({ exitCode, signal }));
    });
  });
  return { started, ended };
}
