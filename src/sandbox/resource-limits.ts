import { readFile } from "node:fs/promises";
import type { SandboxLimitsEntry } from "../config/index.js";

/** Per-command limits of the sandbox, from `[sandbox] limits` with these defaults filled in. */
export interface SandboxLimits {
  /** Processes and threads at once (a pids cgroup where one can be made, else RLIMIT_NPROC). */
  processes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** RLIMIT_AS, in MiB. */
  memoryMb: number;
  /** Size of each private tmpfs (/tmp, /var/tmp, /run, /dev/shm), in MiB. */
  tmpMb: number;
  /** RLIMIT_FSIZE, in MiB. */
  fileMb: number;
  /** RLIMIT_CPU, in seconds. */
  cpuSeconds: number;
}

/**
 * Wide enough for npm, node, python and cargo test runs. Address space is 16 GiB, not less: V8
 * reserves about 10 GiB of address space for each WebAssembly memory (guard regions), and Node's own
 * fetch runs on WebAssembly; measured, `fetch` and `new WebAssembly.Memory` fail under 10 GiB.
 */
export const DEFAULT_LIMITS: Readonly<SandboxLimits> = {
  processes: 512,
  openFiles: 4096,
  memoryMb: 16_384,
  tmpMb: 1024,
  fileMb: 1024,
  cpuSeconds: 600,
};

export function sandboxLimits(entry: SandboxLimitsEntry = {}): SandboxLimits {
  return {
    processes: entry.processes ?? DEFAULT_LIMITS.processes,
    openFiles: entry.open_files ?? DEFAULT_LIMITS.openFiles,
    memoryMb: entry.memory_mb ?? DEFAULT_LIMITS.memoryMb,
    tmpMb: entry.tmp_mb ?? DEFAULT_LIMITS.tmpMb,
    fileMb: entry.file_mb ?? DEFAULT_LIMITS.fileMb,
    cpuSeconds: entry.cpu_seconds ?? DEFAULT_LIMITS.cpuSeconds,
  };
}

const MIB = 1024 * 1024;

/** The rlimits as prlimit resource names and values, each capped at what this process may set. */
export async function rlimitValues(limits: SandboxLimits): Promise<Record<string, number>> {
  const hard = await hardLimits();
  const wanted: Record<string, [string, number]> = {
    nproc: ["Max processes", limits.processes],
    nofile: ["Max open files", limits.openFiles],
    as: ["Max address space", limits.memoryMb * MIB],
    fsize: ["Max file size", limits.fileMb * MIB],
    cpu: ["Max cpu time", limits.cpuSeconds],
  };
  const values: Record<string, number> = {};
  // Raising a hard limit needs privilege: an unprivileged user gets the lower of theirs and ours.
  for (const [name, [label, value]] of Object.entries(wanted)) values[name] = Math.min(value, hard.get(label) ?? Infinity);
  return values;
}

/** Hard limits of this process from /proc/self/limits; "unlimited" is left out. */
async function hardLimits(): Promise<Map<string, number>> {
  const limits = new Map<string, number>();
  const text = await readFile("/proc/self/limits", "utf8").catch(() => "");
  for (const line of text.split("\n")) {
    const match = /^(Max [a-z ]+?)\s{2,}\S+\s+(\d+)\s/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) limits.set(match[1], Number(match[2]));
  }
  return limits;
}

/**
 * The first step inside bwrap: closes every file descriptor above 2 (a pipe Spark's own parent passed
 * on without close-on-exec would otherwise reach the command), then applies the rlimits with prlimit
 * (util-linux) and execs `rest`. bash closes any descriptor; POSIX sh (dash) can only name 3 to 9.
 */
export function limitsWrapperArgv(shell: string, rlimits: Record<string, number>, rest: readonly string[]): string[] {
  const close =
    shell.endsWith("bash")
      ? 'for fd in /proc/self/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then exec {n}>&-; fi; done'
      : "for n in 3 4 5 6 7 8 9; do eval \"exec $n>&-\"; done";
  const prlimit = Object.entries(rlimits).map(([name, value]) => `--${name}=${value}`);
  return [shell, "-c", `${close}; exec "$@"`, "spark-limits", "prlimit", ...prlimit, "--", ...rest];
}
