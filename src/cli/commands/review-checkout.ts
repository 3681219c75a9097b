import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { runGit, type GitChangeSelection } from "../../agent/review/index.js";
import { UsageError } from "../../core/index.js";
import { safeGitArgs, safeGitEnv } from "../../workspace/index.js";

const run = promisify(execFile);

const git = (cwd: string, args: string[]) =>
  runGit(cwd, args, (failure, cause) => new UsageError(`${failure}. Check the range (--diff) and that this is a git repository.`, { cause }));

/** The revision whose tree a range ends at: B of `A..B` or `A...B` (HEAD when empty); none for a single revision (diffed against the working tree). */
export function rangeTip(range: string): string | undefined {
  const at = range.indexOf("..");
  if (at < 0) return undefined;
  const tip = range.slice(at + (range.startsWith("...", at) ? 3 : 2));
  return tip === "" ? "HEAD" : tip;
}

const exists = (path: string) => stat(path).then(() => true, () => false);

/**
 * Runs `use` with the directory the checks of the reviewed change must run in: the workspace for the
 * working tree (or a single revision, diffed against it); for `--diff A..B` a temporary `git worktree`
 * at B; for `--staged` one at HEAD with the staged diff applied. The worktree is removed afterwards,
 * also on error or interrupt. The workspace's node_modules, which git does not track, is linked in.
 */
export async function withReviewedTree<T>(workspace: string, selection: GitChangeSelection, use: (dir: string) => Promise<T>): Promise<T> {
  const tip = "range" in selection ? rangeTip(selection.range) : "staged" in selection ? "HEAD" : undefined;
  if (tip === undefined) return use(workspace);
  const top = (await git(workspace, ["rev-parse", "--show-toplevel"])).trim();
  const commit = (await git(workspace, ["rev-parse", "--verify", `${tip}^{commit}`])).trim();
  const parent = await mkdtemp(join(tmpdir(), "spark-review-tree-"));
  const tree = join(parent, "tree");
  try {
    await git(top, ["worktree", "add", "--detach", "--quiet", tree, commit]);
    if ("staged" in selection) {
      const args = await safeGitArgs(top, ["diff", "--no-ext-diff", "--no-textconv", "--cached", "--binary"]);
      const staged = await run("git", args, { cwd: top, env: safeGitEnv(), encoding: "buffer", maxBuffer: 256 * 1024 * 1024 });
      if (staged.stdout.length > 0) {
        const patch = join(parent, "staged.patch");
        await writeFile(patch, staged.stdout);
        await git(tree, ["apply", "--binary", "--whitespace=nowarn", patch]);
      }
    }
    const dir = join(tree, relative(top, workspace));
    const modules = join(workspace, "node_modules");
    if ((await exists(modules)) && !(await exists(join(dir, "node_modules")))) await symlink(modules, join(dir, "node_modules"));
    return await use(dir);
  } finally {
    await git(top, ["worktree", "remove", "--force", tree]).catch(() => undefined);
    await rm(parent, { recursive: true, force: true });
    await git(top, ["worktree", "prune"]).catch(() => undefined);
  }
}
