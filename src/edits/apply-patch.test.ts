import { chmod, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTempDir } from "../../test/support/temp-dir.js";
import { applyPatch, formatApplyReport } from "./index.js";

let ws: string, close: () => void;
beforeEach(() => ({ dir: ws, close } = openTempDir("spark-apply-")));
afterEach(() => close());

const read = (name: string): Promise<string> => readFile(join(ws, name), "utf8");
const codex = (...lines: string[]): string => ["*** Begin Patch", ...lines, "*** End Patch", ""].join("\n");

describe("applyPatch: file format preservation", () => {
  it("keeps CRLF, the BOM and a missing final newline", async () => {
    await writeFile(join(ws, "win.txt"), "\uFEFFone\r\ntwo\r\nthree");
    const report = await applyPatch(codex("*** Update File: win.txt", "@@", " one", "-two", "+2", "+2.5"), { workspace: ws });
    expect(report.status).toBe("applied");
    expect(await read("win.txt")).toBe("\uFEFFone\r\n2\r\n2.5\r\nthree");
  });

  it("keeps a missing final newline missing when the last line changes", async () => {
    await writeFile(join(ws, "a.txt"), "x\ny");
    await applyPatch(codex("*** Update File: a.txt", "@@", "-y", "+z", "*** End of File"), { workspace: ws });
    expect(await read("a.txt")).toBe("x\nz");
  });

  it("keeps the file mode", async () => {
    await writeFile(join(ws, "run.sh"), "echo hi\n");
    await chmod(join(ws, "run.sh"), 0o751);
    await applyPatch(codex("*** Update File: run.sh", "@@", "-echo hi", "+echo bye"), { workspace: ws });
    expect((await stat(join(ws, "run.sh"))).mode & 0o7777).toBe(0o751);
    expect(await read("run.sh")).toBe("echo bye\n");
  });

  it("moves a file, keeping its mode, and removes the source", async () => {
    await writeFile(join(ws, "old.sh"), "a\n");
    await chmod(join(ws, "old.sh"), 0o700);
    const report = await applyPatch(codex("*** Update File: old.sh", "*** Move to: bin/new.sh", "@@", "-a", "+b"), { workspace: ws });
    expect(report.files).toEqual([
      { path: "bin/new.sh", change: "created" },
      { path: "old.sh", change: "deleted" },
    ]);
    expect(await read("bin/new.sh")).toBe("b\n");
    expect((await stat(join(ws, "bin/new.sh"))).mode & 0o7777).toBe(0o700);
    expect(await readdir(ws)).toEqual(["bin"]);
  });
});

describe("applyPatch: per-hunk results and the writing rule", () => {
  it("writes a file's matching hunks, reports the failed one, and says partial", async () => {
    await writeFile(join(ws, "f.txt"), "alpha\nbeta\ngamma\n");
    const report = await applyPatch(codex("*** Update File: f.txt", "@@", "-alpha", "+ALPHA", "@@", "-delta", "+DELTA"), { workspace: ws });
    expect(report.status).toBe("partial");
    expect(report.operations[0]).toMatchObject({ status: "partial", hunks: [{ status: "applied" }, { status: "failed", error: { code: "no_match" } }] });
    expect(await read("f.txt")).toBe("ALPHA\nbeta\ngamma\n");
    expect(formatApplyReport(report)).toContain("Hunk 2 of f.txt (patch line 6) did not match");
  });

  it("keeps other files' changes when one operation fails, and refuses when nothing applies", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    const report = await applyPatch(codex("*** Update File: a.txt", "@@", "-a", "+A", "*** Delete File: nope.txt"), { workspace: ws });
    expect(report.status).toBe("partial");
    expect(await read("a.txt")).toBe("A\n");
    const refused = await applyPatch(codex("*** Update File: a.txt", "@@", "-zzz", "+y"), { workspace: ws });
    expect(refused.status).toBe("refused");
    expect(refused.files).toEqual([]);
  });

  it("refuses a patch that does not parse and touches nothing", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    const report = await applyPatch("*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b\n", { workspace: ws });
    expect(report).toMatchObject({ status: "refused", operations: [], error: { code: "parse", line: 5 } });
    expect(await read("a.txt")).toBe("a\n");
  });

  it("lets later operations see earlier ones and writes each file once", async () => {
    const report = await applyPatch(
      codex("*** Add File: n.txt", "+one", "+two", "*** Update File: n.txt", "@@", "-two", "+2"),
      { workspace: ws },
    );
    expect(report.status).toBe("applied");
    expect(report.files).toEqual([{ path: "n.txt", change: "created" }]);
    expect(await read("n.txt")).toBe("one\n2\n");
  });

  it("does a dry run without writing", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    const report = await applyPatch(codex("*** Update File: a.txt", "@@", "-a", "+b", "*** Add File: c.txt", "+c"), { workspace: ws, dryRun: true });
    expect(report).toMatchObject({ status: "applied", dryRun: true, files: [{ path: "a.txt", change: "modified" }, { path: "c.txt", change: "created" }] });
    expect(await readdir(ws)).toEqual(["a.txt"]);
    expect(await read("a.txt")).toBe("a\n");
  });

  it("does not rewrite a file whose content does not change", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    // Matched ignoring trailing whitespace; the new line is what the file already holds.
    const report = await applyPatch(codex("*** Update File: a.txt", "@@", "-a  ", "+a"), { workspace: ws });
    expect(report).toMatchObject({ status: "applied", files: [] });
  });

  it("refuses an edit whose old and new text are identical, saying it changed nothing", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    const report = await applyPatch(codex("*** Update File: a.txt", "@@", "-a", "+a"), { workspace: ws });
    expect(report.status).toBe("refused");
    expect(report.operations[0]?.hunks[0]?.error?.code).toBe("no_op");
    expect(formatApplyReport(report)).toContain("changes nothing");
  });
});

describe("applyPatch: SEARCH/REPLACE", () => {
  it("creates, appends, and lets each block search the whole file", async () => {
    await writeFile(join(ws, "app.py"), "import os\n\ndef main():\n    print('hi')\n");
    const text = [
      "app.py",
      "```python",
      "<<<<<<< SEARCH",
      "    print('hi')",
      "=======",
      "    print('hello')",
      ">>>>>>> REPLACE",
      "```",
      "",
      "app.py",
      "```python",
      "<<<<<<< SEARCH",
      "import os",
      "=======",
      "import os",
      "import sys",
      ">>>>>>> REPLACE",
      "```",
      "",
      "notes.md",
      "```",
      "<<<<<<< SEARCH",
      "=======",
      "# Notes",
      ">>>>>>> REPLACE",
      "```",
      "",
      "notes.md",
      "```",
      "<<<<<<< SEARCH",
      "=======",
      "more",
      ">>>>>>> REPLACE",
      "```",
    ].join("\n");
    const report = await applyPatch(text, { workspace: ws });
    expect(report).toMatchObject({ status: "applied", format: "search-replace" });
    expect(await read("app.py")).toBe("import os\nimport sys\n\ndef main():\n    print('hello')\n");
    expect(await read("notes.md")).toBe("# Notes\nmore\n");
  });

  it("refuses a non-empty SEARCH on a missing file", async () => {
    const report = await applyPatch("x.txt\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n", { workspace: ws });
    expect(report.operations[0]).toMatchObject({ status: "failed", error: { code: "file_missing" } });
  });
});

describe("applyPatch: files it must not edit", () => {
  it("refuses binary files and files over the size limit", async () => {
    await writeFile(join(ws, "bin.dat"), Buffer.from([1, 0, 2, 10]));
    await writeFile(join(ws, "big.txt"), "x\n".repeat(100));
    const patch = codex("*** Update File: bin.dat", "@@", "-x", "+y", "*** Update File: big.txt", "@@", "-x", "+y");
    const report = await applyPatch(patch, { workspace: ws, maxFileBytes: 50 });
    expect(report.operations.map((op) => op.error?.code)).toEqual(["binary_file", "too_large"]);
    expect(report.operations[1]?.error?.message).toMatch(/big\.txt is 200 bytes, over the 50 bytes limit/);
  });

  it("refuses a directory where a file is expected", async () => {
    const report = await applyPatch(codex("*** Add File: dir/x", "+x", "*** Update File: dir", "@@", "-a", "+b"), { workspace: ws });
    expect(report.operations[1]?.error?.code).toBe("not_a_file");
  });

  it("throws when the workspace does not exist", async () => {
    await expect(applyPatch(codex("*** Add File: a", "+a"), { workspace: join(ws, "missing") })).rejects.toMatchObject({
      code: "patch_rejected",
      patchCode: "file_missing",
    });
  });
});
