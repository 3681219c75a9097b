import type { CommandResult } from "../../sandbox/index.js";

export type CheckStatus = "passed" | "failed" | "skipped";

export interface CheckResult {
  command: string;
  status: CheckStatus;
  exitCode: number | null;
  /** The end of the output: what the reviewer and the drafter need to see why it failed. */
  output: string;
  durationMs: number;
}

/** Runs one check command; the caller decides where (the bubblewrap sandbox, in practice). */
export type CheckRunner = (command: string, signal?: AbortSignal) => Promise<CommandResult>;

const outputTailChars = 4000;

const tail = (text: string) => (text.length > outputTailChars ? `…${text.slice(-outputTailChars)}` : text);

/**
 * Runs the checks one after another (they often share build outputs). Without a runner (no sandbox on
 * this machine) every check is skipped, with the reason as its output, rather than run unconfined.
 */
export async function runChecks(commands: readonly string[], runner: CheckRunner | { unavailable: string }, signal?: AbortSignal): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const command of commands) {
    if (typeof runner !== "function") {
      results.push({ command, status: "skipped", exitCode: null, output: runner.unavailable, durationMs: 0 });
      continue;
    }
    const result = await runner(command, signal);
    const passed = result.exitCode === 0 && !result.timedOut && !result.aborted;
    const note = result.timedOut ? "\n(timed out)" : result.aborted ? "\n(interrupted)" : "";
    results.push({ command, status: passed ? "passed" : "failed", exitCode: result.exitCode, output: tail(result.output) + note, durationMs: result.durationMs });
    if (result.aborted) break;
  }
  return results;
}

export const checksFailed = (results: readonly CheckResult[]) => results.some((result) => result.status === "failed");
