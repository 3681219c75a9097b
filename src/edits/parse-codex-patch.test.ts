import { describe, expect, it } from "vitest";
import { thrownBy } from "../../test/support/thrown-by.js";
import { parseCodexPatch } from "./parse-codex-patch.js";
import { PatchError } from "./patch-error.js";

const parseFails = (text: string): PatchError => thrownBy(PatchError, () => parseCodexPatch(text));

describe("parseCodexPatch", () => {
  it("parses add, delete, update with move, headers and end of file", () => {
    const ops = parseCodexPatch(
      [
        "*** Begin Patch",
        "*** Add File: a/new.txt",
        "+one",
        "+two",
        "*** Delete File: old.txt",
        "*** Update File: src/x.ts",
        "*** Move to: src/y.ts",
        "@@ function f() {",
        " keep",
        "-gone",
        "+added",
        "@@",
        "-last",
        "+LAST",
        "*** End of File",
        "*** End Patch",
      ].join("\n"),
    );
    expect(ops).toEqual([
      { kind: "add", path: "a/new.txt", contents: "one\ntwo\n", sourceLine: 2 },
      { kind: "delete", path: "old.txt", sourceLine: 5 },
      {
        kind: "update",
        path: "src/x.ts",
        moveTo: "src/y.ts",
        createIfMissing: false,
        sourceLine: 6,
        hunks: [
          {
            contextHeaders: ["function f() {"],
            oldLines: ["keep", "gone"],
            newLines: ["keep", "added"],
            context: [[0, 0]],
            endOfFile: false,
            sourceLine: 8,
          },
          { contextHeaders: [], oldLines: ["last"], newLines: ["LAST"], context: [], endOfFile: true, sourceLine: 12 },
        ],
      },
    ]);
  });

  it("lets the first hunk omit @@ and reads an empty line as empty context", () => {
    const [op] = parseCodexPatch("*** Begin Patch\n*** Update File: f\n a\n\n-b\n*** End Patch");
    expect(op).toMatchObject({ hunks: [{ oldLines: ["a", "", "b"], newLines: ["a", ""], context: [[0, 0], [1, 1]] }] });
  });

  it("records which lines are context, so a removed line that reads like one is never kept in its place", () => {
    const [op] = parseCodexPatch("*** Begin Patch\n*** Update File: f\n@@\n-x = 1\n-y = 2\n x = 1\n+z = 3\n*** End Patch");
    expect(op).toMatchObject({ hunks: [{ oldLines: ["x = 1", "y = 2", "x = 1"], newLines: ["x = 1", "z = 3"], context: [[2, 0]] }] });
  });

  it("accepts stacked @@ headers, unified-diff ranges, CRLF, padding and text around the envelope", () => {
    const text = [
      "Here is the patch:",
      "```",
      "  *** Begin Patch  ",
      "  *** Update File: f.py",
      "@@ class A",
      "@@ -10,3 +10,3 @@ def run(self):",
      "-x",
      "+y",
      "\\ No newline at end of file",
      "*** End Patch ",
      "```",
    ].join("\r\n");
    const [op] = parseCodexPatch(text);
    expect(op).toMatchObject({ path: "f.py", hunks: [{ contextHeaders: ["class A", "def run(self):"], oldLines: ["x"], newLines: ["y"] }] });
  });

  it("treats a bare unified-diff range header as a bare @@", () => {
    const [op] = parseCodexPatch("*** Begin Patch\n*** Update File: f\n@@ -1,2 +1,2 @@\n-a\n+b\n*** End Patch");
    expect(op).toMatchObject({ hunks: [{ contextHeaders: [] }] });
  });

  it("keeps an empty line between '+' lines of an added file", () => {
    const [op] = parseCodexPatch("*** Begin Patch\n*** Add File: f\n+a\n\n+b\n\n*** End Patch");
    expect(op).toMatchObject({ contents: "a\n\nb\n" });
  });

  it("names the line and what was expected", () => {
    expect(parseFails("*** Update File: f\n@@\n-a\n").message).toMatch(/^Patch line 1: expected '\*\*\* Begin Patch'/);
    const cut = parseFails("*** Begin Patch\n*** Update File: f\n@@\n-a\n+b\n");
    expect(cut.line).toBe(5);
    expect(cut.message).toMatch(/End Patch.*cut off/);
    const header = parseFails("*** Begin Patch\n*** Frobnicate File: f\n*** End Patch");
    expect(header.message).toContain("Patch line 2: expected a file operation");
    expect(header.message).toContain('"*** Frobnicate File: f"');
    expect(parseFails("*** Begin Patch\n*** Update File: f\n*** End Patch").message).toMatch(/line 2: .*has no hunks/);
    expect(parseFails("*** Begin Patch\n*** End Patch").patchCode).toBe("parse");
  });

  it("refuses a line that is not a hunk line, and a second hunk without @@", () => {
    const bad = parseFails("*** Begin Patch\n*** Update File: f\n@@\nnot a diff line\n*** End Patch");
    expect(bad.line).toBe(4);
    expect(bad.message).toContain("expected a hunk line starting with ' ' (context), '-' (removed) or '+' (added)");
    const missing = parseFails("*** Begin Patch\n*** Update File: f\n@@\n-a\n+b\noops\n*** End Patch");
    expect(missing.line).toBe(6);
    expect(missing.message).toContain("expected '@@'");
  });

  it("refuses empty paths and a misplaced End of File", () => {
    expect(parseFails("*** Begin Patch\n*** Delete File:   \n*** End Patch").message).toContain("line 2: expected a file path");
    expect(parseFails("*** Begin Patch\n*** Update File: f\n@@\n*** End of File\n*** End Patch").line).toBe(4);
  });
});
