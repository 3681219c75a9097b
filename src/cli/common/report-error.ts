import { SparkError, toSparkError } from "../../core/index.js";
import { exitCodes } from "./exit-codes.js";

/** Prints an error as one paragraph (no stack trace unless SPARK_DEBUG is set) and returns the exit code. */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  const sparkError = toSparkError(error);
  stderr.write(`spark: ${sparkError.message}\n`);
  if (process.env.SPARK_DEBUG && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return exitCodeFor(sparkError);
}

export function exitCodeFor(error: Pick<SparkError, "code">): number {
  const usage: readonly string[] = ["usage_invalid", "config_invalid", "eval_task_invalid"];
  return usage.includes(error.code) ? exitCodes.usage : exitCodes.failed;
}
