import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTempDir } from "../../test/support/temp-dir.js";
import { applyPatch, formatApplyReport } from "./index.js";

let ws: string, close: () => void;
beforeEach(() => ({ dir: ws, close } = openTempDir("spark-formats-")));
afterEach(() => close());

const read = (name: string): Promise<string> => readFile(join(ws, name), "utf8");
const apply = (patch: string) => applyPatch(patch, { workspace: ws });
const json = (value: unknown): string => JSON.stringify(value);

const TWICE = ["function a() {", "  return 1;", "}", "", "function b() {", "  return 1;", "}", ""].join("\n");

describe("unified diffs, applied by content", () => {
  it("applies a hunk whose line numbers are wrong, by its content", async () => {
    await writeFile(join(ws, "x.txt"), "a\nb\nc\nd\n");
    const report = await apply(["--- a/x.txt", "+++ b/x.txt", "@@ -40,3 +40,3 @@", " b", "-c", "+C", " d"].join("\n"));
    expect(report.status).toBe("applied");
    expect(await read("x.txt")).toBe("a\nb\nC\nd\n");
  });

  it("lets the line number pick between equal places, and refuses when it is not clearly nearer one", async () => {
    await writeFile(join(ws, "x.js"), TWICE);
    const second = await apply(["--- a/x.js", "+++ b/x.js", "@@ -6,1 +6,1 @@", "-  return 1;", "+  return 2;"].join("\n"));
    expect(second.status).toBe("applied");
    expect(await read("x.js")).toBe(TWICE.replace("function b() {\n  return 1;", "function b() {\n  return 2;"));
    await writeFile(join(ws, "x.js"), TWICE);
    const between = await apply(["--- a/x.js", "+++ b/x.js", "@@ -4,1 +4,1 @@", "-  return 1;", "+  return 2;"].join("\n"));
    expect(between.status).toBe("refused");
    expect(formatApplyReport(between)).toContain("line number 4 is not clearly nearer");
  });

  it("carries the offset of earlier hunks to later line numbers", async () => {
    const lines = ["x", "pad", "pad", "same", "pad", "pad", "pad", "pad", "same", "pad", ""];
    await writeFile(join(ws, "o.txt"), lines.join("\n"));
    // Both numbers are 5 too high: the first hunk is unique and shows it, which lets the second one's
    // number pick the second "same" (uncorrected, 13 would be about as far from both).
    const report = await apply(["--- a/o.txt", "+++ b/o.txt", "@@ -6 +6 @@", "-x", "+X", "@@ -14 +14 @@", "-same", "+SAME"].join("\n"));
    expect(report.status).toBe("applied");
    expect(await read("o.txt")).toBe(["X", "pad", "pad", "same", "pad", "pad", "pad", "pad", "SAME", "pad", ""].join("\n"));
  });

  it("refuses a hunk that only adds lines and has nothing but a line number to place it", async () => {
    await writeFile(join(ws, "x.txt"), "a\nb\n");
    const report = await apply(["--- a/x.txt", "+++ b/x.txt", "@@ -1,0 +2 @@", "+new"].join("\n"));
    expect(report.status).toBe("refused");
    expect(formatApplyReport(report)).toContain("does not place an edit by one alone");
    expect(await read("x.txt")).toBe("a\nb\n");
  });

  it("creates, deletes and renames files, and refuses to create one that exists", async () => {
    await writeFile(join(ws, "gone.txt"), "bye\n");
    await writeFile(join(ws, "old.txt"), "keep\n");
    const report = await apply(
      [
        "--- /dev/null",
        "+++ b/new.txt",
        "@@ -0,0 +1 @@",
        "+hi",
        "--- a/gone.txt",
        "+++ /dev/null",
        "@@ -1 +0,0 @@",
        "-bye",
        "diff --git a/old.txt b/moved.txt",
        "rename from old.txt",
        "rename to moved.txt",
      ].join("\n"),
    );
    expect(report.status).toBe("applied");
    expect(await read("new.txt")).toBe("hi\n");
    expect(await read("moved.txt")).toBe("keep\n");
    await expect(read("gone.txt")).rejects.toThrow();
    const again = await apply(["--- /dev/null", "+++ b/new.txt", "@@ -0,0 +1 @@", "+other"].join("\n"));
    expect(again.operations[0]?.error?.code).toBe("file_exists");
    expect(await read("new.txt")).toBe("hi\n");
  });

  it("checks renames and deletions against the workspace boundary and protected paths", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    const escape = await apply(["diff --git a/a.txt b/../a.txt", "rename from a.txt", "rename to ../a.txt"].join("\n"));
    expect(escape.operations[0]?.error?.code).toBe("path_escape");
    const hook = await apply(["diff --git a/a.txt b/.git/hooks/pre-commit", "rename from a.txt", "rename to .git/hooks/pre-commit"].join("\n"));
    expect(hook.operations[0]?.error?.code).toBe("protected_path");
    const absolute = await apply(["--- a//etc/passwd", "+++ /dev/null", "@@ -1 +0,0 @@", "-root"].join("\n"));
    expect(absolute.status).toBe("refused");
    expect(await read("a.txt")).toBe("a\n");
  });
});

describe("string replacements", () => {
  it("replaces a unique string inside a line, keeping the rest of the line", async () => {
    await writeFile(join(ws, "a.ts"), "const x = compute(1, 2);\n");
    const report = await apply(json({ path: "a.ts", old_string: "compute(1, 2)", new_string: "compute(3, 4)" }));
    expect(report).toMatchObject({ status: "applied", format: "string-replace" });
    expect(await read("a.ts")).toBe("const x = compute(3, 4);\n");
  });

  it("refuses an ambiguous old_string with what to do, and replaces all with replace_all", async () => {
    await writeFile(join(ws, "x.js"), TWICE);
    const refused = await apply(json({ path: "x.js", old_string: "return 1;", new_string: "return 2;" }));
    expect(refused.status).toBe("refused");
    const message = formatApplyReport(refused);
    expect(message).toContain("matches 2 places");
    expect(message).toContain("set replace_all to true");
    const all = await apply(json([{ path: "x.js", old_string: "return 1;", new_string: "return 2;", replace_all: true }]));
    expect(all.status).toBe("applied");
    expect(await read("x.js")).toBe(TWICE.replaceAll("return 1;", "return 2;"));
  });

  it("says old_string was not found and shows the closest lines; falls back to the fuzzy line matcher", async () => {
    await writeFile(join(ws, "a.py"), "def f():\n    return 1\n");
    const missing = await apply(json({ file_path: "a.py", old_string: "return 7", new_string: "return 2" }));
    expect(missing.status).toBe("refused");
    expect(formatApplyReport(missing)).toContain("Copy old_string exactly from the file");
    const fuzzy = await apply(json({ filePath: "a.py", oldString: "def f():\n  return 1", newString: "def f():\n  return 2" }));
    expect(fuzzy.status).toBe("applied");
    expect(await read("a.py")).toBe("def f():\n    return 2\n");
  });

  it("replaces across lines, creates a file from an empty old_string, and refuses no-ops", async () => {
    await writeFile(join(ws, "m.txt"), "one\ntwo\nthree\n");
    expect((await apply(json({ path: "m.txt", old_string: "one\ntwo\n", new_string: "" }))).status).toBe("applied");
    expect(await read("m.txt")).toBe("three\n");
    expect((await apply(json({ path: "n.txt", old_string: "", new_string: "new\n" }))).status).toBe("applied");
    expect(await read("n.txt")).toBe("new\n");
    const onExisting = await apply(json({ path: "n.txt", old_string: "", new_string: "x" }));
    expect(formatApplyReport(onExisting)).toContain("only creates a new file");
    const same = await apply(json({ path: "m.txt", old_string: "three", new_string: "three" }));
    expect(same.operations[0]?.hunks[0]?.error?.code).toBe("no_op");
  });

  it("refuses JSON of the wrong shape as a parse error", async () => {
    const report = await apply(json({ path: "a", old: "x" }));
    expect(report.error?.code).toBe("parse");
  });

  it("names every problem of a malformed edit, where it is, and writes nothing", async () => {
    await writeFile(join(ws, "a.txt"), "one\n");
    const shape = 'Patch line 1: expected {"path", "old_string", "new_string", "replace_all"?} or an array of them';
    const cases: [unknown, string][] = [
      [{ path: "a.txt", old: "x", new: "y" }, 'value: Unrecognized keys: "old", "new"'],
      [{ path: "", old_string: "one", new_string: "two" }, "path: Too small: expected string to have >=1 characters"],
      [{ path: "a.txt", old_string: 1, new_string: "two", replace_all: "yes" }, "old_string: Invalid input: expected string, received number; replace_all: Invalid input: expected boolean, received string"],
      [[{ path: "a.txt", old_string: "one", new_string: "two" }, { path: null }, 7], "1.path: Invalid input: expected string, received null; 2: Invalid input: expected object, received number"],
      [[], "value: Too small: expected array to have >=1 items"],
      [JSON.parse('{"__proto__": {"path": "a.txt"}, "old_string": "one", "new_string": "two"}'), 'value: Unrecognized key: "__proto__"'],
    ];
    for (const [value, problems] of cases) {
      const report = await apply(json(value));
      expect(report.status, json(value)).toBe("refused");
      expect(report.error).toMatchObject({ code: "parse", message: `${shape} (${problems})` });
    }
    expect(await read("a.txt")).toBe("one\n");
  });
});

describe("line-number hints in SEARCH/REPLACE", () => {
  it("reads Roo's :start_line: and strips 'N | ' prefixes, using them only to choose among equal places", async () => {
    await writeFile(join(ws, "x.js"), TWICE);
    const roo = ["x.js", "<<<<<<< SEARCH", ":start_line:6", "-------", "  return 1;", "=======", "  return 2;", ">>>>>>> REPLACE"].join("\n");
    expect((await apply(roo)).status).toBe("applied");
    expect(await read("x.js")).toBe(TWICE.replace("b() {\n  return 1;", "b() {\n  return 2;"));
    await writeFile(join(ws, "x.js"), TWICE);
    const numbered = ["x.js", "<<<<<<< SEARCH", "2 |   return 1;", "3 | }", "=======", "2 |   return 3;", "3 | }", ">>>>>>> REPLACE"].join("\n");
    expect((await apply(numbered)).status).toBe("applied");
    expect(await read("x.js")).toBe(TWICE.replace("  return 1;", "  return 3;"));
  });
});

describe("mends", () => {
  it("keeps each replaced line's own ending in a file with mixed endings", async () => {
    await writeFile(join(ws, "m.txt"), "one\r\ntwo\nthree\r\n");
    await apply(json({ path: "m.txt", old_string: "three", new_string: "THREE" }));
    expect(await read("m.txt")).toBe("one\r\ntwo\nTHREE\r\n");
    await apply(["m.txt", "<<<<<<< SEARCH", "two", "=======", "TWO", ">>>>>>> REPLACE"].join("\n"));
    expect(await read("m.txt")).toBe("one\r\nTWO\nTHREE\r\n");
    await writeFile(join(ws, "l.txt"), "a\nb\nc\r\n");
    await apply(["l.txt", "<<<<<<< SEARCH", "c", "=======", "C", ">>>>>>> REPLACE"].join("\n"));
    expect(await read("l.txt")).toBe("a\nb\nC\r\n");
  });

  it("turns a one-line file without a final newline, replaced by one blank line, into a newline", async () => {
    await writeFile(join(ws, "one.txt"), "only");
    await apply(["one.txt", "<<<<<<< SEARCH", "only", "=======", "", ">>>>>>> REPLACE"].join("\n"));
    expect(await read("one.txt")).toBe("\n");
  });

  it("re-indents per level when a SEARCH flattened two levels to one", async () => {
    await writeFile(join(ws, "r.py"), "def f():\n    if x:\n        return 1\n");
    await apply(["r.py", "<<<<<<< SEARCH", "if x:", "return 1", "=======", "if x:", "return 2", ">>>>>>> REPLACE"].join("\n"));
    expect(await read("r.py")).toBe("def f():\n    if x:\n        return 2\n");
  });
});
