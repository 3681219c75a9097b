import { describe, expect, it } from "vitest";
import { applyHunks } from "./apply-hunks.js";
import type { Hunk } from "./patch-types.js";

function hunk(oldLines: string[], newLines: string[], extra: Partial<Hunk> = {}): Hunk {
  return { contextHeaders: [], oldLines, newLines, endOfFile: false, sourceLine: 1, ...extra };
}

function run(lines: string[], hunks: Hunk[]) {
  return applyHunks(lines, hunks, { displayPath: "f.ts", addedLineSuffix: "" });
}

describe("applyHunks: the matcher chain", () => {
  it("matches exactly first", () => {
    const result = run(["a", "b", "c"], [hunk(["b"], ["B"])]);
    expect(result.lines).toEqual(["a", "B", "c"]);
    expect(result.outcomes[0]).toMatchObject({ status: "applied", matchedBy: "exact", fileLine: 2 });
  });

  it("ignores trailing whitespace, keeping the file's own context line", () => {
    const result = run(["a  ", "b\t", "c"], [hunk(["a", "b"], ["a", "B"])]);
    expect(result.lines).toEqual(["a  ", "B", "c"]);
    expect(result.outcomes[0]?.matchedBy).toBe("trailing-whitespace");
  });

  it("re-indents added lines when the hunk's indentation is shifted", () => {
    const file = ["class A {", "    run() {", "        go();", "    }", "}"];
    const patch = hunk(["run() {", "    go();", "}"], ["run() {", "    go();", "    stop();", "}"]);
    const result = run(file, [patch]);
    expect(result.lines).toEqual(["class A {", "    run() {", "        go();", "        stop();", "    }", "}"]);
    expect(result.outcomes[0]?.matchedBy).toBe("indentation");
  });

  it("maps spaces to the file's tabs", () => {
    const file = ["if (x) {", "\tif (y) {", "\t\tgo();", "\t}", "}"];
    const patch = hunk(["    if (y) {", "        go();", "    }"], ["    if (y) {", "        go();", "        stop();", "    }"]);
    expect(run(file, [patch]).lines).toEqual(["if (x) {", "\tif (y) {", "\t\tgo();", "\t\tstop();", "\t}", "}"]);
  });

  it("ignores leading and trailing whitespace when indentation is inconsistent", () => {
    const file = ["  a", "b", "    c"];
    const result = run(file, [hunk(["a", "  b", "c"], ["a", "  B", "c"])]);
    // The replaced line sat at column 0 in the file, so its replacement does too.
    expect(result.lines).toEqual(["  a", "B", "    c"]);
    expect(result.outcomes[0]?.matchedBy).toBe("whitespace");
  });

  it("normalises Unicode punctuation", () => {
    const file = ["const s = \"it's\"; // a - b", "x\u00A0= 1;"];
    const patch = hunk(["const s = \u201Cit\u2019s\u201D; // a \u2014 b", "x = 1;"], ["const s = \u201Cit\u2019s\u201D; // a \u2014 b", "x = 2;"]);
    const result = run(file, [patch]);
    expect(result.lines).toEqual(["const s = \"it's\"; // a - b", "x = 2;"]);
    expect(result.outcomes[0]?.matchedBy).toBe("unicode");
  });

  it("prefers a stricter level even when a looser one would match elsewhere", () => {
    const result = run(["  x", "x"], [hunk(["x"], ["y"])]);
    expect(result.lines).toEqual(["  x", "y"]);
  });
});

describe("applyHunks: ambiguity, anchors and order", () => {
  const file = ["function a() {", "  return 1;", "}", "function b() {", "  return 1;", "}"];

  it("refuses two equal candidates and names their lines", () => {
    const result = run(file, [hunk(["  return 1;"], ["  return 2;"])]);
    expect(result.lines).toEqual(file);
    expect(result.outcomes[0]).toMatchObject({ status: "failed", error: { code: "ambiguous", candidates: [2, 5] } });
    expect(result.outcomes[0]?.error?.message).toContain("lines 2, 5");
  });

  it("uses an @@ header as the anchor that picks one", () => {
    const result = run(file, [hunk(["  return 1;"], ["  return 2;"], { contextHeaders: ["function b() {"] })]);
    expect(result.lines[4]).toBe("  return 2;");
    expect(result.lines[1]).toBe("  return 1;");
    expect(result.outcomes[0]?.notes.join()).toContain("@@ header picked");
  });

  it("accepts an abbreviated header and stacked headers", () => {
    const stacked = ["class A {", "  f() {", "    x;", "  }", "}", "class B {", "  f() {", "    x;", "  }", "}"];
    const result = run(stacked, [hunk(["    x;"], ["    y;"], { contextHeaders: ["class B", "f() {"] })]);
    expect(result.lines[7]).toBe("    y;");
    expect(result.lines[2]).toBe("    x;");
  });

  it("uses '*** End of File' to pick the last candidate", () => {
    const result = run(file, [hunk(["  return 1;", "}"], ["  return 3;", "}"], { endOfFile: true })]);
    expect(result.lines.slice(3)).toEqual(["function b() {", "  return 3;", "}"]);
  });

  it("searches each hunk after the previous one, which also disambiguates", () => {
    const result = run(file, [hunk(["function a() {"], ["function a() {"]), hunk(["  return 1;"], ["  return 5;"])]);
    // The second hunk still sees two candidates after line 1: refused.
    expect(result.outcomes[1]?.status).toBe("failed");
    const ordered = run(file, [hunk(["function b() {"], ["function b() {"]), hunk(["  return 1;"], ["  return 5;"])]);
    expect(ordered.lines[4]).toBe("  return 5;");
  });

  it("still finds a unique hunk written out of file order", () => {
    const result = run(["a", "b", "c", "d"], [hunk(["c"], ["C"]), hunk(["a"], ["A"])]);
    expect(result.lines).toEqual(["A", "b", "C", "d"]);
    expect(result.outcomes[1]?.notes.join()).toContain("out of file order");
  });

  it("applies the hunks that match and reports the ones that do not, with the closest lines", () => {
    const lines = ["import x from 'x';", "", "export function total(items) {", "  return items.length;", "}"];
    const result = run(lines, [hunk(["import x from 'x';"], ["import y from 'y';"]), hunk(["  return items.size;"], ["  return 0;"])]);
    expect(result.lines[0]).toBe("import y from 'y';");
    expect(result.lines[3]).toBe("  return items.length;");
    const failed = result.outcomes[1];
    expect(failed).toMatchObject({ status: "failed", error: { code: "no_match", closest: { startLine: 4, endLine: 4 } } });
    expect(failed?.error?.message).toContain("4 |   return items.length;");
    expect(failed?.error?.message).toContain("Hunk 2 of f.ts");
  });
});

describe("applyHunks: insertions and edges", () => {
  it("appends a pure insertion at the end, or after its @@ anchor", () => {
    expect(run(["a", "b"], [hunk([], ["c"])]).lines).toEqual(["a", "b", "c"]);
    expect(run(["def f():", "  pass", "x"], [hunk([], ["  y = 1"], { contextHeaders: ["def f():"] })]).lines).toEqual([
      "def f():",
      "  y = 1",
      "  pass",
      "x",
    ]);
    expect(run(["a"], [hunk([], ["z"], { contextHeaders: ["nowhere"] })]).outcomes[0]?.status).toBe("failed");
  });

  it("drops a trailing empty context line that stands for the final newline", () => {
    expect(run(["a", "b"], [hunk(["b", ""], ["c", ""])]).lines).toEqual(["a", "c"]);
  });

  it("keeps untouched context copied from the file in the middle of a hunk", () => {
    const result = run(["x = \u201Cq\u201D", "a", "y = 1"], [hunk(['x = "q"', "a", "y = 1"], ['x = "q"', "a", "y = 2"])]);
    expect(result.lines).toEqual(["x = \u201Cq\u201D", "a", "y = 2"]);
    expect(result).toMatchObject({ added: 1, removed: 1 });
  });

  it("adds the suffix of a mostly-CRLF mixed file to added lines only", () => {
    const result = applyHunks(["a\r", "b\r", "c"], [hunk(["b"], ["b", "new"])], { displayPath: "f", addedLineSuffix: "\r" });
    expect(result.lines).toEqual(["a\r", "b\r", "new\r", "c"]);
  });
});
