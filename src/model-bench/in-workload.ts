import { SparkError, toSparkError } from "../core/index.js";

/**
 * Runs the model calls of one workload; a failure keeps its cause's code (so the exit code and any
 * retry advice stay right) and gains the workload's name, the first thing a user needs to know.
 */
export async function inWorkload<T>(workload: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const cause = toSparkError(error);
    throw new SparkError(cause.code, `The benchmark workload "${workload}" failed: ${cause.message}`, { status: cause.status, retryable: cause.isRetryable, cause });
  }
}
