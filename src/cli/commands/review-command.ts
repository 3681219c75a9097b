import { findWorkspaceRoot } from "../../agent/index.js";
import { awaitVerdict, formatVerdict, gitChange, reviewerSettings, runChecks, UsageLedger, type GitChangeSelection, type ReviewVerdict } from "../../agent/review/index.js";
import { UsageError } from "../../core/index.js";
import { exitCodes } from "../common/exit-codes.js";
import type { GlobalOptions } from "../common/global-options.js";
import { withRuntime } from "../common/with-runtime.js";
import { withReviewedTree } from "./review-checkout.js";
import { requireReviewableRepository } from "./review-repository.js";
import { checkRunnerFor, checksFor, pricesFrom, reviewerFor } from "../../runtime/index.js";

export interface ReviewOptions extends GlobalOptions {
  diff?: string;
  staged?: boolean;
  task?: string;
  reviewModel?: string;
  checks?: boolean;
  json?: boolean;
  cwd?: string;
}

/** `spark review`: 0 when the reviewer approves, 1 when it asks for changes or rejects (or the review failed). */
const verdictExitCodes: Record<ReviewVerdict["verdict"], number> = { approve: exitCodes.ok, revise: exitCodes.failed, reject: exitCodes.failed };

function selectionOf(options: ReviewOptions): GitChangeSelection {
  if (options.diff !== undefined && options.staged) throw new UsageError("Give --diff RANGE or --staged, not both.");
  if (options.diff !== undefined) return { range: options.diff };
  return options.staged ? { staged: true } : { worktree: true };
}

/** Reviews a change made by anyone: git's diff, the project's checks in the sandbox, the review model's verdict. */
export async function reviewChange(options: ReviewOptions): Promise<number> {
  const selection = selectionOf(options);
  const cwd = options.cwd ?? process.cwd();
  const workspace = await findWorkspaceRoot(cwd);
  await requireReviewableRepository(cwd, selection);
  const change = await gitChange(cwd, selection);
  if (change.files.length === 0) {
    process.stderr.write("Nothing to review: the selected diff is empty.\n");
    return exitCodes.ok;
  }
  return withRuntime(options, { reviewModel: options.reviewModel ?? options.model, cwd }, async (runtime, signal) => {
    const { loaded } = runtime;
    // Before the checks, which take a while: without a review model there is nothing to run them for.
    const reviewer = reviewerFor(runtime);
    // On the reviewed revision (a temporary worktree for a range's tip or the staged state), not on whatever the working tree holds.
    const checks =
      options.checks === false
        ? []
        : await withReviewedTree(workspace, selection, async (tree) => runChecks(await checksFor(loaded, tree), await checkRunnerFor(loaded, tree), signal));
    for (const check of checks) process.stderr.write(`check ${check.command}: ${check.status}\n`);
    const ledger = new UsageLedger(pricesFrom(loaded));
    const verdict = await awaitVerdict(
      {
        client: await reviewer.open(),
        subject: { task: options.task ?? "Review this change.", diff: change.diff, checks },
        signal,
        ...reviewerSettings(reviewer),
      },
      (event) => ledger.observe(reviewer.name, "reviewer", event),
    );
    if (!verdict) return exitCodes.interrupted;
    if (options.json) process.stdout.write(`${JSON.stringify({ verdict, files: change.files, checks, accounting: ledger.accounts() })}\n`);
    else process.stdout.write(`${formatVerdict(verdict, "").join("\n")}\n`);
    return verdictExitCodes[verdict.verdict];
  });
}
