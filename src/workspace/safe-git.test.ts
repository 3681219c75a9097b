import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { hostileGitRepo, hostileMechanisms } from "../../test/support/hostile-git-repo.js";
import { safeGitArgs, safeGitEnv } from "./safe-git.js";

const run = promisify(execFile);

/** What `spark review` and `spark eval` run on the host, in this order. */
async function reviewCommands(dir: string, gitArgs: (args: string[]) => Promise<string[]>, env: NodeJS.ProcessEnv): Promise<void> {
  const tree = join(mkdtempSync(join(tmpdir(), "spark-safe-git-")), "tree");
  const git = async (cwd: string, args: string[]) => run("git", await gitArgs(args), { cwd, env });
  await git(dir, ["diff", "--no-ext-diff", "--no-textconv", "HEAD~1..HEAD"]);
  await git(dir, ["diff", "--no-ext-diff", "--no-textconv", "HEAD"]);
  await git(dir, ["add", "-A", "-N"]);
  await git(dir, ["worktree", "add", "--detach", "--quiet", tree, "HEAD"]);
  await git(dir, ["worktree", "remove", "--force", tree]);
  writeFileSync(join(dir, "late.bin"), "new file the agent wrote\n");
  await git(dir, ["add", "-A"]);
}

const files = { "a.js": "export const a = 1;\n", "b.txt": "b\n" };
const changed = { "a.js": "export const a = 2;\n" };

describe("safeGitArgs", () => {
  it("the fixture is hostile: plain git runs every planted program", async () => {
    const repo = hostileGitRepo(files, changed);
    // Without the flags, `git diff` runs the external diff, and without that one the textconv driver.
    await run("git", ["diff", "HEAD~1..HEAD"], { cwd: repo.dir });
    await run("git", ["diff", "--no-ext-diff", "HEAD~1..HEAD"], { cwd: repo.dir });
    await reviewCommands(repo.dir, async (args) => args, process.env).catch(() => undefined);
    expect(repo.markers()).toEqual([...hostileMechanisms].sort());
  });

  it("runs none of them: no fsmonitor, hook, external diff, textconv or filter", async () => {
    const repo = hostileGitRepo(files, changed);
    await reviewCommands(repo.dir, (args) => safeGitArgs(repo.dir, args), safeGitEnv());
    expect(repo.markers()).toEqual([]);
  });

  it("refuses a repository that defines more filter drivers than it can switch off", async () => {
    const repo = hostileGitRepo(files, changed);
    for (let index = 0; index < 101; index += 1) await run("git", ["config", `filter.f${index}.clean`, "x"], { cwd: repo.dir });
    await expect(safeGitArgs(repo.dir, ["status"])).rejects.toThrow(/defines 103 filter drivers; Spark neutralises at most 100/);
  });
});
