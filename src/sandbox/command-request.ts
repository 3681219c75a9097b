import { realpath, stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { isInside } from "../core/index.js";
import { CommandRefusedError } from "./sandbox-errors.js";

/** One shell command to run for the agent, sandboxed or (after the user approved it) not. */
export interface CommandRequest {
  /** A shell command line, run with bash -c (or /bin/sh -c where bash is absent). */
  command: string;
  /** Absolute; mounted read-write in the sandbox. */
  workspace: string;
  /** Inside the workspace (absolute, or relative to it); default the workspace. Outside: refused. */
  cwd?: string;
  /** Default 120 000; on timeout the whole process group / sandbox is killed. */
  timeoutMs?: number;
  /** Default 256 KiB; beyond it the middle of the output is cut, keeping its head and tail. */
  outputLimitBytes?: number;
  /** Default false: the command gets its own empty network namespace. */
  network?: boolean;
  /** Abort kills the command at once. */
  signal?: AbortSignal;
  /** Added to the minimal environment the command gets. */
  env?: Record<string, string>;
}

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  /** stdout and stderr interleaved in arrival order, capped at outputLimitBytes. */
  output: string;
  truncated: boolean;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_OUTPUT_LIMIT_BYTES = 256 * 1024;

/** A request checked against the file system: real paths (symlinks resolved) and every default filled. */
export interface ResolvedCommandRequest {
  command: string;
  workspace: string;
  cwd: string;
  timeoutMs: number;
  outputLimitBytes: number;
  network: boolean;
  signal: AbortSignal | undefined;
  env: Readonly<Record<string, string>>;
}

/** Validates a request before anything is spawned; every refusal is a CommandRefusedError. */
export async function resolveCommandRequest(request: CommandRequest): Promise<ResolvedCommandRequest> {
  const workspace = await resolveWorkspace(request.workspace);
  const cwd = await resolveCwd(workspace, request.workspace, request.cwd);
  return {
    command: request.command,
    workspace,
    cwd,
    timeoutMs: positiveNumber("timeoutMs", request.timeoutMs, DEFAULT_TIMEOUT_MS),
    outputLimitBytes: Math.floor(positiveNumber("outputLimitBytes", request.outputLimitBytes, DEFAULT_OUTPUT_LIMIT_BYTES)),
    network: request.network ?? false,
    signal: request.signal,
    env: { ...request.env },
  };
}

async function resolveWorkspace(workspace: string): Promise<string> {
  if (!isAbsolute(workspace)) {
    throw new CommandRefusedError(`The workspace must be an absolute path, got "${workspace}".`);
  }
  const real = await realDirectory(workspace, "workspace");
  // A workspace at / would mount the whole file system read-write: no sandbox left at all.
  if (real === "/") {
    throw new CommandRefusedError("Refusing to use / as the workspace: the sandbox would allow writing everywhere.");
  }
  return real;
}

async function resolveCwd(realWorkspace: string, givenWorkspace: string, cwd: string | undefined): Promise<string> {
  if (cwd === undefined) return realWorkspace;
  // Relative paths are taken from the workspace, since that is where the agent works.
  const real = await realDirectory(resolve(givenWorkspace, cwd), "working directory");
  if (!isInside(realWorkspace, real)) {
    throw new CommandRefusedError(
      `The working directory ${cwd} is outside the workspace ${givenWorkspace}; commands may only run inside it.`,
    );
  }
  return real;
}

/** Resolves symlinks so containment checks and bind mounts see the path the kernel will use. */
async function realDirectory(path: string, what: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    throw new CommandRefusedError(`The ${what} ${path} does not exist or cannot be read.`, { cause: error });
  }
  if (!(await stat(real)).isDirectory()) {
    throw new CommandRefusedError(`The ${what} ${path} is not a directory.`);
  }
  return real;
}


function positiveNumber(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new CommandRefusedError(`${name} must be a positive number, got ${value}.`);
  }
  return value;
}
