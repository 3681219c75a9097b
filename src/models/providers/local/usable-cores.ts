import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** The CPU quota of this process's cgroup (v2 `cpu.max`, else v1 cfs files), in cores; undefined when unlimited. */
function cgroupQuotaCores(): number | undefined {
  const v2 = readText("/sys/fs/cgroup/cpu.max");
  if (v2) {
    const [quota, period] = v2.split(/\s+/);
    if (quota && quota !== "max" && period) return Number(quota) / Number(period);
    return undefined;
  }
  const quota = Number(readText("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"));
  const period = Number(readText("/sys/fs/cgroup/cpu/cpu.cfs_period_us"));
  return quota > 0 && period > 0 ? quota / period : undefined;
}

/** Cores this process may really use: CPU affinity and the cgroup quota, whichever is smaller. */
export function usableCores(): number {
  const quota = cgroupQuotaCores();
  return Math.max(1, Math.min(availableParallelism(), quota === undefined ? Infinity : Math.floor(quota)));
}

/**
 * Threads for llama.cpp. Measured on 2-vCPU machines: 2 threads was erratic and often ~25x slower than 1,
 * so one core is left for Node's event loop; on larger machines all but one core. On a model of real shape
 * (1.5B, Q8_0) 2 threads decoded 1.66x faster than 1 on an idle machine, but 6x slower while other work
 * ran (0.46 against 2.77 tokens/s): llama.cpp's threads wait on each other at every operation, and one
 * that loses its core stalls the rest (bench/results/speed-real-shape-cpu-analysis-loaded-i20.md). On an
 * idle 2-core machine `threads = 2` (`[local]`, `--threads`, SPARK_THREADS) is the faster choice.
 */
export function defaultThreads(cores: number = usableCores()): number {
  return cores <= 2 ? 1 : cores - 1;
}
