import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runSpark, type SparkResult } from "./support/run-spark.js";
import { treeSnapshot } from "./support/tree-snapshot.js";

/**
 * `spark apply`, `spark undo` and `spark diff` through the built CLI (`npm run build` first). Each test
 * has its own workspace and its own SPARK_HOME, shared by the runs of that test so that undo and diff
 * see the checkpoints apply recorded.
 */

let ws: string;
let home: string;
let outside: string;

beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), "spark-cli-apply-ws-"));
  home = await mkdtemp(join(tmpdir(), "spark-cli-apply-home-"));
  outside = await mkdtemp(join(tmpdir(), "spark-cli-apply-patches-"));
});
afterEach(async () => {
  await Promise.all([ws, home, outside].map((dir) => rm(dir, { recursive: true, force: true })));
});

const codex = (...lines: string[]): string => ["*** Begin Patch", ...lines, "*** End Patch", ""].join("\n");

function spark(args: string[], options: { stdin?: string; cwd?: string } = {}): Promise<SparkResult> {
  return runSpark(args, { cwd: options.cwd ?? ws, env: { SPARK_HOME: home }, ...(options.stdin === undefined ? {} : { stdin: options.stdin }) });
}

async function patchFile(text: string, name = "change.patch"): Promise<string> {
  const path = join(outside, name);
  await writeFile(path, text);
  return path;
}

const tree = (): Promise<Record<string, string>> => treeSnapshot(ws);

const read = (name: string): Promise<string> => readFile(join(ws, name), "utf8");

describe("spark apply", () => {
  it("applies a patch file, prints the report, records a checkpoint and exits 0", async () => {
    await writeFile(join(ws, "a.txt"), "one\ntwo\n");
    const result = await spark(["apply", await patchFile(codex("*** Update File: a.txt", "@@", " one", "-two", "+2"))]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("Patch applied (1 of 1 file operations applied).\n- update a.txt: applied (+1 -1)\n");
    expect(result.stderr).toMatch(/Checkpoint 1 recorded; `spark undo` restores the files/);
    expect(await read("a.txt")).toBe("one\n2\n");
    expect(existsSync(join(home, "spark.db"))).toBe(true);
  });

  it("reads the patch from stdin with no FILE or with '-', and prints JSON with --json", async () => {
    await writeFile(join(ws, "a.txt"), "1\n");
    const first = await spark(["apply"], { stdin: codex("*** Update File: a.txt", "@@", "-1", "+2") });
    expect(first.code).toBe(0);
    expect(await read("a.txt")).toBe("2\n");
    const second = await spark(["apply", "-", "--json"], { stdin: codex("*** Update File: a.txt", "@@", "-2", "+3") });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      status: "applied",
      dryRun: false,
      format: "codex",
      files: [{ path: "a.txt", change: "modified" }],
      checkpointId: 2,
    });
    expect(await read("a.txt")).toBe("3\n");
  });

  it("applies SEARCH/REPLACE blocks in the directory given with -C", async () => {
    await mkdir(join(ws, "src"));
    await writeFile(join(ws, "src", "x.ts"), "const a = 1;\n");
    const patch = ["src/x.ts", "<<<<<<< SEARCH", "const a = 1;", "=======", "const a = 2;", ">>>>>>> REPLACE", ""].join("\n");
    const result = await spark(["apply", "-C", ws, await patchFile(patch)], { cwd: outside });
    expect(result.code).toBe(0);
    expect(await read("src/x.ts")).toBe("const a = 2;\n");
  });

  it("--check validates and reports, writing nothing (not even the checkpoint database)", async () => {
    await writeFile(join(ws, "a.txt"), "x\n");
    const before = await tree();
    const result = await spark(["apply", "--check", await patchFile(codex("*** Update File: a.txt", "@@", "-x", "+y", "*** Add File: b.txt", "+b"))]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Patch check: would be applied \(2 of 2 file operations would apply\)/);
    expect(await tree()).toEqual(before);
    expect(existsSync(join(home, "spark.db"))).toBe(false);
    const bad = await spark(["apply", "--check", await patchFile(codex("*** Update File: a.txt", "@@", "-nope", "+y"), "bad.patch")]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/would be refused/);
  });

  it("exits 3 for a partly applied patch and shows the failed hunk's closest lines", async () => {
    await writeFile(join(ws, "f.py"), ["def greet(name):", "    print('hello', name)", "", "def leave(name):", "    print('goodbye', name)", ""].join("\n"));
    const patch = codex(
      "*** Update File: f.py",
      "@@",
      " def greet(name):",
      "-    print('hello', name)",
      "+    print('hi', name)",
      "@@",
      " def leave(person):",
      "-    print('bye', person)",
      "+    print('farewell', person)",
    );
    const result = await spark(["apply", await patchFile(patch)]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^Patch partly applied/);
    expect(result.stdout).toMatch(/The closest lines in the file are 4-5/);
    expect(result.stdout).toContain("def leave(name):");
    expect(await read("f.py")).toContain("print('hi', name)");
    expect(await read("f.py")).toContain("print('goodbye', name)");
  });

  it("exits 1 when the patch is refused, and writes nothing", async () => {
    await writeFile(join(ws, "a.txt"), "x\n");
    const before = await tree();
    const noMatch = await spark(["apply", await patchFile(codex("*** Update File: a.txt", "@@", "-nope", "+y"))]);
    expect(noMatch.code).toBe(1);
    expect(noMatch.stdout).toMatch(/^Patch refused/);
    const unparsable = await spark(["apply", await patchFile("*** Begin Patch\n*** Frobnicate File: a.txt\n", "bad.patch")]);
    expect(unparsable.code).toBe(1);
    expect(unparsable.stdout).toMatch(/^The patch was refused: /);
    const escape = await spark(["apply", await patchFile(codex("*** Add File: ../evil.txt", "+x"), "escape.patch")]);
    expect(escape.code).toBe(1);
    expect(escape.stdout).toMatch(/leave the workspace/);
    expect(await tree()).toEqual(before);
    expect((await spark(["undo", "--list", "--json"])).stdout).toBe("[]\n");
  });

  it("exits 2 for usage errors: a missing patch file, no patch at all, a missing workspace", async () => {
    const missing = await spark(["apply", join(outside, "nope.patch")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read the patch file .*nope\.patch: it does not exist/);
    const empty = await spark(["apply"]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/No patch to apply/);
    const noWorkspace = await spark(["apply", "-C", join(ws, "missing-dir"), await patchFile(codex("*** Add File: a", "+a"))]);
    expect(noWorkspace.code).toBe(2);
    expect(noWorkspace.stderr).toMatch(/does not exist/);
  });
});

describe("spark undo", () => {
  it("restores exact bytes: a CRLF file, a created file removed, a deleted file back, a moved file moved back", async () => {
    await writeFile(join(ws, "win.txt"), "\uFEFFfirst\r\nsecond\r\nthird\r\n");
    await writeFile(join(ws, "tool.sh"), "#!/bin/sh\necho tool\n");
    await chmod(join(ws, "tool.sh"), 0o755);
    await mkdir(join(ws, "src"));
    await writeFile(join(ws, "src", "old-name.ts"), "export const x = 1;\nexport const y = 2;\n");
    await chmod(join(ws, "src", "old-name.ts"), 0o640);
    const before = await tree();
    const patch = codex(
      "*** Update File: win.txt",
      "@@",
      " first",
      "-second",
      "+SECOND",
      "*** Add File: docs/new/notes.md",
      "+# Notes",
      "*** Delete File: tool.sh",
      "*** Update File: src/old-name.ts",
      "*** Move to: lib/new-name.ts",
      "@@",
      "-export const y = 2;",
      "+export const y = 3;",
    );
    const applied = await spark(["apply", await patchFile(patch)]);
    expect(applied.code).toBe(0);
    expect(await read("win.txt")).toBe("\uFEFFfirst\r\nSECOND\r\nthird\r\n");
    expect(Object.keys(await tree()).sort()).toEqual(["docs", "docs/new", "docs/new/notes.md", "lib", "lib/new-name.ts", "src", "win.txt"]);

    const undone = await spark(["undo"]);
    expect(undone.code).toBe(0);
    expect(undone.stdout).toMatch(/^Undid checkpoint 1 \(/);
    expect(undone.stdout).toContain("docs/new/notes.md: removed (the patch created it)");
    expect(undone.stdout).toContain("tool.sh: recreated (the patch deleted it)");
    expect(undone.stdout).toContain("src/old-name.ts: recreated");
    expect(undone.stdout).toContain("lib/new-name.ts: removed");
    expect(await tree()).toEqual(before);

    const again = await spark(["undo"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/Nothing to undo/);
  });

  it("refuses when a file was edited after the patch, naming it; --force restores anyway", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    await writeFile(join(ws, "b.txt"), "b\n");
    await spark(["apply", await patchFile(codex("*** Update File: a.txt", "@@", "-a", "+A", "*** Update File: b.txt", "@@", "-b", "+B"))]);
    await writeFile(join(ws, "b.txt"), "B and more by hand\n");
    const refused = await spark(["undo"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/changed since it was applied/);
    expect(refused.stderr).toMatch(/b\.txt: was modified since/);
    expect(refused.stderr).not.toMatch(/a\.txt:/);
    expect(refused.stderr).toMatch(/--force/);
    expect(await read("a.txt")).toBe("A\n");
    expect(await read("b.txt")).toBe("B and more by hand\n");

    const forced = await spark(["undo", "--force"]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/b\.txt: restored; changes made since were overwritten/);
    expect(await read("a.txt")).toBe("a\n");
    expect(await read("b.txt")).toBe("b\n");
  });

  it("--list shows the history: id, time, description, files with +/-, undone or not", async () => {
    await writeFile(join(ws, "a.txt"), "1\n");
    await spark(["apply", await patchFile(codex("*** Update File: a.txt", "@@", "-1", "+2", "+2.5"))]);
    await spark(["apply", await patchFile(codex("*** Add File: b.txt", "+b", "*** Delete File: a.txt"), "second.patch")]);
    await spark(["undo"]);
    const list = await spark(["undo", "--list"]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^#2 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}add b\.txt, delete a\.txt {2}\[undone \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]$/);
    expect(lines.slice(1, 3)).toEqual(["    A b.txt  +1 -0", "    D a.txt  +0 -2"]);
    expect(lines[3]).toMatch(/^#1 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}update a\.txt$/);
    expect(lines[4]).toBe("    M a.txt  +2 -1");

    const json = JSON.parse((await spark(["undo", "--list", "--json"])).stdout) as { id: number; undoneAt: string | null }[];
    expect(json.map((checkpoint) => [checkpoint.id, checkpoint.undoneAt === null])).toEqual([
      [2, false],
      [1, true],
    ]);
    expect((await spark(["undo", "--list", "-n", "1", "--json"])).stdout).toMatch(/"id": 2/);
    const elsewhere = await spark(["undo", "--list"], { cwd: outside });
    expect(elsewhere.stdout).toMatch(/^No checkpoints in /);
  });

  it("undoes a checkpoint chosen by id", async () => {
    await writeFile(join(ws, "a.txt"), "1\n");
    await writeFile(join(ws, "b.txt"), "1\n");
    await spark(["apply", await patchFile(codex("*** Update File: a.txt", "@@", "-1", "+2"))]);
    await spark(["apply", await patchFile(codex("*** Update File: b.txt", "@@", "-1", "+2"), "second.patch")]);
    const result = await spark(["undo", "1"]);
    expect(result.code).toBe(0);
    expect(await read("a.txt")).toBe("1\n");
    expect(await read("b.txt")).toBe("2\n");
    expect((await spark(["undo", "zero"])).code).toBe(2);
  });
});

describe("spark diff", () => {
  it("shows what the patches still in effect changed, as a unified diff", async () => {
    await writeFile(join(ws, "a.txt"), "one\ntwo\nthree\n");
    const empty = await spark(["diff"]);
    expect(empty).toMatchObject({ code: 0, stdout: "" });
    expect(empty.stderr).toMatch(/No changes/);
    await spark(["apply", await patchFile(codex("*** Update File: a.txt", "@@", " one", "-two", "+2", "*** Add File: b.txt", "+bee"))]);
    const result = await spark(["diff"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        "diff --git a/a.txt b/a.txt",
        "--- a/a.txt",
        "+++ b/a.txt",
        "@@ -1,3 +1,3 @@",
        " one",
        "-two",
        "+2",
        " three",
        "diff --git a/b.txt b/b.txt",
        "new file mode 100644",
        "--- /dev/null",
        "+++ b/b.txt",
        "@@ -0,0 +1 @@",
        "+bee",
        "",
      ].join("\n"),
    );
    const stat = await spark(["diff", "--stat"]);
    expect(stat.stdout).toBe([" a.txt  +1 -1", " b.txt  +1 -0 (created)", " 2 files changed, +2 -1", ""].join("\n"));
    // A session with no patch here: the answer is about that session, not "no patch is in effect" (one is).
    const unknown = await spark(["diff", "--stat", "--session", "3f2c91ab"]);
    expect(unknown).toMatchObject({ code: 0, stdout: "" });
    expect(unknown.stderr).toBe('No changes: no patch of a session "3f2c91ab" is still in effect here (`spark undo --list` shows the checkpoints; `spark resume --list` the sessions).\n');
    await spark(["undo"]);
    expect((await spark(["diff"])).stdout).toBe("");
  });
});
