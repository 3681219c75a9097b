import { runGit, type GitChangeSelection } from "../../agent/review/index.js";
import { UsageError } from "../../core/index.js";

/**
 * Before any diff, says in one line what `spark review` needs: outside a repository git answers
 * `git diff HEAD` with a hundred lines of `--no-index` usage, and with no commit yet with a message
 * about an ambiguous HEAD; neither tells the user what to do.
 */
export async function requireReviewableRepository(cwd: string, selection: GitChangeSelection): Promise<void> {
  await runGit(
    cwd,
    ["rev-parse", "--is-inside-work-tree"],
    (_failure, cause) =>
      new UsageError(`${cwd} is not inside a git repository: spark review reviews a git change. Run it inside the repository, or name it with -C DIR.`, { cause }),
  );
  // Every selection needs a commit: the working tree and --staged are checked against HEAD, a range names commits.
  await runGit(cwd, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], (_failure, cause) => {
    const then = "range" in selection ? `then review commits with --diff A..B` : "then spark review shows what changed since (--staged for the staged part only)";
    return new UsageError(`The git repository at ${cwd} has no commits yet, so there is nothing to review a change against. Make a first commit (git add -A && git commit -m "start"), ${then}.`, { cause });
  });
}
