import { awaitVerdict, formatVerdict, reviewerSettings, runChecks, type CheckResult } from "../../agent/review/index.js";
import { sessionDiff } from "../../edits/index.js";
import { checkRunnerFor, checksFor, reviewerFor } from "../../runtime/index.js";
import { paint } from "./ansi-style.js";
import type { CommandHost } from "./command-host.js";

const checkLine = (check: CheckResult) => `  check ${check.command}: ${check.status === "failed" ? paint.red(check.status) : check.status}`;

/**
 * /review: the review model reviews what this session's patches changed, with the project's checks run
 * in the sandbox, and its verdict is shown with each comment's file and line. Revising stays the
 * user's call: the next message can ask the model to address the comments.
 */
export async function reviewSessionChanges(host: CommandHost, signal?: AbortSignal): Promise<void> {
  const sessionId = host.sessionId();
  const diff = sessionId === undefined ? undefined : await sessionDiff({ workspace: host.workspace, store: host.stores.checkpoints, sessionId });
  if (!diff || diff.files.length === 0) {
    host.view.print([paint.dim("Nothing to review: this session has changed no files.")]);
    return;
  }
  const config = host.models.runtime.loaded;
  const reviewer = reviewerFor(host.models.runtime);
  host.view.print([paint.dim(`Reviewing ${diff.files.length} changed file${diff.files.length === 1 ? "" : "s"} with ${reviewer.name}…`)]);
  const checks = await runChecks(await checksFor(config, host.workspace), await checkRunnerFor(config, host.workspace), signal);
  const verdict = await awaitVerdict({
    client: await reviewer.open(),
    subject: { task: "Review the changes made in this session.", diff: diff.text, checks },
    ...reviewerSettings(reviewer),
    ...(signal ? { signal } : {}),
  });
  if (!verdict || signal?.aborted) return;
  const color = verdict.verdict === "approve" ? paint.green : paint.yellow;
  host.view.print([...checks.map(checkLine), ...formatVerdict(verdict).map((line, index) => (index === 0 ? color(line) : line))]);
}
