import { appendFile, mkdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { EvalTaskResult } from "./run-eval-task.js";

/**
 * The results of a run, one JSON line per finished task (`results.jsonl` in the run directory), so a run
 * that was killed continues where it stopped: a task already in the journal for the same suite and
 * configuration is not run again. A line cut short by the kill is ignored (that task runs again).
 */
export interface JournalEntry {
  suite: string;
  configuration: string;
  result: EvalTaskResult;
}

export const journalPath = (runDir: string) => join(runDir, "results.jsonl");

function parseLine(line: string): JournalEntry | undefined {
  try {
    const entry = JSON.parse(line) as Partial<JournalEntry>;
    if (typeof entry.suite !== "string" || typeof entry.configuration !== "string" || typeof entry.result?.task !== "string") return undefined;
    return entry as JournalEntry;
  } catch {
    return undefined;
  }
}

export class EvalJournal {
  private constructor(
    private readonly path: string,
    private readonly entries: JournalEntry[],
  ) {}

  /** The journal of `runDir`; `fresh` forgets what an earlier run stored there. */
  static async open(runDir: string, fresh: boolean): Promise<EvalJournal> {
    const path = journalPath(runDir);
    if (fresh) await rm(path, { force: true });
    const text = await readFile(path, "utf8").catch(() => "");
    return new EvalJournal(path, text.split("\n").flatMap((line) => parseLine(line) ?? []));
  }

  /** The stored result of `task` in this suite and configuration (the last one, when there are several). */
  done(suite: string, configuration: string, task: string): EvalTaskResult | undefined {
    return this.entries.findLast((entry) => entry.suite === suite && entry.configuration === configuration && entry.result.task === task)?.result;
  }

  /** Stores a result: a line written whole with one append, before the next task's result. */
  async record(entry: JournalEntry): Promise<void> {
    this.entries.push(entry);
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${JSON.stringify(entry)}\n`);
  }
}
