import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSpark, tempDir } from "./support/run-spark.js";

/** `spark review` where there is no change to review yet: one line saying what to do, exit 2, through the built CLI. */
describe("spark review without a reviewable repository", () => {
  it("outside a git repository says to run it inside one", async () => {
    const dir = tempDir("spark-review-nogit-");
    const result = await runSpark(["review", "--no-checks"], { cwd: dir, timeoutMs: 20_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is not inside a git repository");
    expect(result.stderr).toContain("-C DIR");
    expect(result.stderr).not.toContain("usage: git diff");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it.each([[[]], [["--staged"]], [["--diff", "main..HEAD"]]])("in a repository with no commit (%j) says to make one first", async (flags) => {
    const dir = tempDir("spark-review-nocommit-");
    execFileSync("git", ["init", "-q", dir]);
    writeFileSync(join(dir, "a.txt"), "a\n");
    execFileSync("git", ["add", "a.txt"], { cwd: dir });
    const result = await runSpark(["review", "--no-checks", ...flags], { cwd: dir, timeoutMs: 20_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("has no commits yet");
    expect(result.stderr).toContain("Make a first commit");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});
