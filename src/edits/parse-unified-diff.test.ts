import { describe, expect, it } from "vitest";
import { parsePatch } from "./parse-patch.js";
import { PatchError } from "./patch-error.js";
import type { FileOperation, UpdateFileOperation } from "./patch-types.js";

function operations(text: string): FileOperation[] {
  const parsed = parsePatch(text);
  expect(parsed.format).toBe("unified-diff");
  return parsed.operations;
}

function update(op: FileOperation | undefined): UpdateFileOperation {
  if (op?.kind !== "update") throw new Error(`expected an update, got ${op?.kind}`);
  return op;
}

describe("parseUnifiedDiff", () => {
  it("reads git diff output: a/ b/ prefixes, hunks by prefix, line numbers as hints, the section heading as anchor", () => {
    const ops = operations(
      [
        "diff --git a/src/x.ts b/src/x.ts",
        "index 1234567..89abcde 100644",
        "--- a/src/x.ts",
        "+++ b/src/x.ts",
        "@@ -10,3 +10,3 @@ function f() {",
        " a",
        "-b",
        "+B",
        " c",
        "@@ -40,2 +40,3 @@",
        " d",
        "+e",
        " f",
      ].join("\n"),
    );
    const op = update(ops[0]);
    expect(op.path).toBe("src/x.ts");
    expect(op.hunks.map((hunk) => [hunk.lineHint, hunk.contextHeaders])).toEqual([
      [10, ["function f() {"]],
      [40, []],
    ]);
    expect(op.hunks[0]).toMatchObject({ oldLines: ["a", "b", "c"], newLines: ["a", "B", "c"], context: [[0, 0], [2, 2]] });
  });

  it("ignores wrong counts in @@ headers and reads diff -u names with timestamps", () => {
    const ops = operations(["--- x.py\t2024-01-01 10:00:00", "+++ x.py\t2024-01-02 10:00:00", "@@ -1,9 +1,1 @@", " a", "-b", "+c", " d"].join("\n"));
    expect(update(ops[0])).toMatchObject({ path: "x.py", hunks: [{ oldLines: ["a", "b", "d"], newLines: ["a", "c", "d"] }] });
  });

  it("reads aider's udiff: hunks without numbers, fences and prose around them", () => {
    const text = ["Here is the change:", "```diff", "--- app.py", "+++ app.py", "@@ ... @@", "-class A:", "+class B:", "```", "Done."].join("\n");
    const op = update(operations(text)[0]);
    expect(op.hunks).toHaveLength(1);
    expect(op.hunks[0]).toMatchObject({ oldLines: ["class A:"], newLines: ["class B:"], contextHeaders: [] });
    expect(op.hunks[0]?.lineHint).toBeUndefined();
  });

  it("reads several files, new files, deleted files and renames", () => {
    const ops = operations(
      [
        "diff --git a/new.txt b/new.txt",
        "new file mode 100644",
        "--- /dev/null",
        "+++ b/new.txt",
        "@@ -0,0 +1,2 @@",
        "+one",
        "+two",
        "diff --git a/gone.txt b/gone.txt",
        "deleted file mode 100644",
        "--- a/gone.txt",
        "+++ /dev/null",
        "@@ -1 +0,0 @@",
        "-bye",
        "diff --git a/old name.txt b/new name.txt",
        "similarity index 100%",
        "rename from old name.txt",
        "rename to new name.txt",
        "diff --git a/m.txt b/m.txt",
        "old mode 100644",
        "new mode 100755",
      ].join("\n"),
    );
    expect(ops).toEqual([
      { kind: "add", path: "new.txt", contents: "one\ntwo\n", sourceLine: 1, mustNotExist: true },
      { kind: "delete", path: "gone.txt", sourceLine: 8 },
      { kind: "update", path: "old name.txt", moveTo: "new name.txt", hunks: [], createIfMissing: false, sourceLine: 14 },
    ]);
  });

  it("keeps a new file's missing final newline and reads git's quoted names", () => {
    const ops = operations(['--- /dev/null', '+++ "b/tab\\there.txt"', "@@ -0,0 +1 @@", "+x", "\\ No newline at end of file"].join("\n"));
    expect(ops[0]).toMatchObject({ kind: "add", path: "tab\there.txt", contents: "x" });
  });

  it("keeps an empty line inside a hunk as empty context, but not one before the text after it", () => {
    const op = update(operations(["--- a/x", "+++ b/x", "@@ -1,3 +1,3 @@", " a", "", "-b", "+c", "", "That is all."].join("\n"))[0]);
    expect(op.hunks[0]).toMatchObject({ oldLines: ["a", "", "b"], newLines: ["a", "", "c"] });
  });

  it("ends a hunk at a blank line once its counts are met, so a bullet list after the diff is not read as lines", () => {
    const op = update(operations(["--- a/x", "+++ b/x", "@@ -1,2 +1,2 @@", " a", "-b", "+c", "", "- renamed b to c"].join("\n"))[0]);
    expect(op.hunks[0]).toMatchObject({ oldLines: ["a", "b"], newLines: ["a", "c"] });
  });

  it("reads '--- x' as a removed line while the header's counts say the hunk goes on", () => {
    const op = update(operations(["--- a/x", "+++ b/x", "@@ -1,2 +1,2 @@", "--- a", "+++ b", " z"].join("\n"))[0]);
    expect(op.hunks[0]).toMatchObject({ oldLines: ["-- a", "z"], newLines: ["++ b", "z"] });
  });

  it("refuses hunks without file names and binary patches, naming the line", () => {
    expect(() => parsePatch("@@ -1 +1 @@\n-a\n+b")).toThrow(/Patch line 1: expected '--- a\/PATH'/);
    expect(() => parsePatch("diff --git a/i.png b/i.png\nBinary files a/i.png and b/i.png differ")).toThrow(PatchError);
  });

  it("is told apart from SEARCH/REPLACE by whichever marker comes first", () => {
    const diffOfBlocks = ["--- a/doc.md", "+++ b/doc.md", "@@ -1 +1,2 @@", " x", "+<<<<<<< SEARCH"].join("\n");
    expect(parsePatch(diffOfBlocks).format).toBe("unified-diff");
    const blocksOfDiff = ["x.patch", "<<<<<<< SEARCH", "--- a/y", "+++ b/y", "=======", "--- a/z", "+++ b/z", ">>>>>>> REPLACE"].join("\n");
    expect(parsePatch(blocksOfDiff).format).toBe("search-replace");
  });
});
