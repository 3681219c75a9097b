import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { safeGitArgs, safeGitEnv } from "../../workspace/index.js";
import { errorMessage } from "../../core/index.js";
import { ReviewError } from "./review-error.js";
import type { WorkspaceChange } from "./run-review-pipeline.js";

const run = promisify(execFile);

/** Which change to review: a revision range (`main..HEAD`), the staged changes, or the working tree against HEAD. */
export type GitChangeSelection = { range: string } | { staged: true } | { worktree: true };

/**
 * Runs git with what the repository configured to run switched off (see safe-git); a failure becomes
 * the error `toError` makes of "git ARGS failed in CWD: WHY".
 */
export async function runGit(cwd: string, args: string[], toError: (failure: string, cause: unknown) => Error): Promise<string> {
  try {
    const { stdout } = await run("git", await safeGitArgs(cwd, args), { cwd, env: safeGitEnv(), maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw toError(`git ${args.join(" ")} failed in ${cwd}: ${stderr || (errorMessage(error))}`, error);
  }
}

const git = (cwd: string, args: string[]) =>
  runGit(cwd, args, (failure) => new ReviewError(`${failure}. Run it inside a git repository, with a valid range.`, { status: 400 }));

function selectionArgs(selection: GitChangeSelection): string[] {
  if ("range" in selection) return [selection.range];
  if ("staged" in selection) return ["--cached"];
  return ["HEAD"];
}

/** A diff shows the bytes git stores: no external diff program, no textconv driver from .gitattributes. */
const noPrograms = ["--no-ext-diff", "--no-textconv"];

/** The change as git sees it: a unified diff and the files it touches (new files count once they are added). */
export async function gitChange(cwd: string, selection: GitChangeSelection): Promise<WorkspaceChange> {
  const args = selectionArgs(selection);
  const [diff, names] = await Promise.all([git(cwd, ["diff", ...noPrograms, "--no-color", ...args]), git(cwd, ["diff", ...noPrograms, "--name-only", ...args])]);
  return { diff, files: names.split("\n").filter((name) => name !== "") };
}
