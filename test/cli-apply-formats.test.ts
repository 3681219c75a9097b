import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runSpark, type SparkResult } from "./support/run-spark.js";

/**
 * `spark apply` with the formats beside the Codex envelope: unified diffs (git diff, diff -u, aider's
 * udiff), string replacements as JSON, and SEARCH blocks with line-number hints, through the built CLI.
 */

let ws: string;
let home: string;

beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), "spark-cli-formats-ws-"));
  home = await mkdtemp(join(tmpdir(), "spark-cli-formats-home-"));
});
afterEach(async () => {
  await Promise.all([ws, home].map((dir) => rm(dir, { recursive: true, force: true })));
});

function spark(args: string[], stdin: string): Promise<SparkResult> {
  return runSpark(args, { cwd: ws, env: { SPARK_HOME: home }, stdin });
}

const read = (name: string): Promise<string> => readFile(join(ws, name), "utf8");
const git = (...args: string[]): string => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: ws, encoding: "utf8" });

const SOURCE = ["def load(path):", "    with open(path) as f:", "        return f.read()", "", "def save(path, text):", "    with open(path, 'w') as f:", "        f.write(text)", ""].join("\n");

describe("spark apply: unified diffs", () => {
  it("applies what git diff wrote (several files, a new one, a deletion, a rename), and spark undo restores it", async () => {
    await writeFile(join(ws, "io.py"), SOURCE);
    await writeFile(join(ws, "old.txt"), "gone\n");
    await writeFile(join(ws, "name.txt"), "same\n");
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "base");
    await writeFile(join(ws, "io.py"), SOURCE.replace("f.read()", "f.read().strip()").replace("f.write(text)", "f.write(text + '\\n')"));
    await writeFile(join(ws, "new.txt"), "fresh\n");
    git("rm", "-q", "old.txt");
    git("mv", "name.txt", "renamed.txt");
    git("add", "-A");
    const diff = git("diff", "--cached", "-M");
    git("reset", "-q", "--hard");
    const result = await spark(["apply"], diff);
    expect(result.stderr).toMatch(/Checkpoint \d+ recorded/);
    expect(result.code).toBe(0);
    expect(await read("io.py")).toContain("return f.read().strip()");
    expect(await read("new.txt")).toBe("fresh\n");
    expect(await read("renamed.txt")).toBe("same\n");
    await expect(read("old.txt")).rejects.toThrow();
    const undo = await runSpark(["undo"], { cwd: ws, env: { SPARK_HOME: home } });
    expect(undo.code).toBe(0);
    expect(await read("io.py")).toBe(SOURCE);
    expect(await read("old.txt")).toBe("gone\n");
  });

  it("applies a model's diff with wrong line numbers and counts by content, and aider's numberless udiff", async () => {
    await writeFile(join(ws, "io.py"), SOURCE);
    const wrong = ["--- a/io.py", "+++ b/io.py", "@@ -57,2 +57,2 @@ def save(path, text):", "     with open(path, 'w') as f:", "-        f.write(text)", "+        f.write(text.upper())"].join("\n");
    expect((await spark(["apply"], wrong)).code).toBe(0);
    expect(await read("io.py")).toContain("f.write(text.upper())");
    const aider = ["```diff", "--- io.py", "+++ io.py", "@@ ... @@", "-def load(path):", "+def load(path, encoding='utf-8'):", "```"].join("\n");
    const result = await spark(["apply", "--json"], aider);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: "applied", format: "unified-diff" });
    expect(await read("io.py")).toContain("def load(path, encoding='utf-8'):");
  });

  it("refuses a rename out of the workspace or into .git, writing nothing", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    const escape = await spark(["apply"], ["diff --git a/a.txt b/../a.txt", "rename from a.txt", "rename to ../a.txt"].join("\n"));
    expect(escape.code).toBe(1);
    const hook = await spark(["apply"], ["diff --git a/a.txt b/.git/hooks/post-checkout", "rename from a.txt", "rename to .git/hooks/post-checkout"].join("\n"));
    expect(hook.code).toBe(1);
    expect(hook.stdout).toMatch(/protected/);
    expect(await read("a.txt")).toBe("a\n");
  });
});

describe("spark apply: string replacements and line-number hints", () => {
  it("applies JSON string replacements and prints the JSON report with --json", async () => {
    await writeFile(join(ws, "io.py"), SOURCE);
    const edits = [
      { path: "io.py", old_string: "f.read()", new_string: "f.read(4096)" },
      { path: "io.py", old_string: "path", new_string: "p", replace_all: true },
    ];
    const result = await spark(["apply", "--json"], JSON.stringify(edits));
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { format: string; operations: Array<{ status: string }> };
    expect(report.format).toBe("string-replace");
    expect(report.operations.map((op) => op.status)).toEqual(["applied", "applied"]);
    expect(await read("io.py")).toBe(SOURCE.replace("f.read()", "f.read(4096)").replaceAll("path", "p"));
  });

  it("exits 1 for an ambiguous old_string with a message that says what to do", async () => {
    await writeFile(join(ws, "io.py"), SOURCE);
    const result = await spark(["apply"], JSON.stringify({ path: "io.py", old_string: "with open", new_string: "with io.open" }));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("matches 2 places");
    expect(result.stdout).toContain("replace_all");
    expect(await read("io.py")).toBe(SOURCE);
  });

  it("uses Roo's :start_line: to pick between equal places", async () => {
    const twice = "if a:\n    retry()\n\nif b:\n    retry()\n";
    await writeFile(join(ws, "r.py"), twice);
    const block = ["r.py", "<<<<<<< SEARCH", ":start_line:5", "-------", "    retry()", "=======", "    retry(3)", ">>>>>>> REPLACE"].join("\n");
    expect((await spark(["apply"], block)).code).toBe(0);
    expect(await read("r.py")).toBe("if a:\n    retry()\n\nif b:\n    retry(3)\n");
  });
});
