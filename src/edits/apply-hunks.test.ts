import { describe, expect, it } from "vitest";
import { applyHunks } from "./apply-hunks.js";
import type { Hunk } from "./patch-types.js";
import { parseCodexPatch } from "./parse-codex-patch.js";

function hunk(oldLines: string[], newLines: string[], extra: Partial<Hunk> = {}): Hunk {
  return { contextHeaders: [], oldLines, newLines, endOfFile: false, sourceLine: 1, ...extra };
}

function run(lines: string[], hunks: Hunk[]) {
  return applyHunks(lines, hunks, { displayPath: "f.ts", addedLineSuffix: "" });
}

/** The hunks of a one-file Codex patch body (its ' ', '-' and '+' lines), as the parser reads them. */
function codexHunks(...body: string[]): Hunk[] {
  const [op] = parseCodexPatch(["*** Begin Patch", "*** Update File: f.ts", "@@", ...body, "*** End Patch"].join("\n"));
  if (op?.kind !== "update") throw new Error("expected an update");
  return op.hunks;
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

describe("applyHunks: re-indenting added lines level by level", () => {
  const nested = ["    if (b) {", "        stop();", "    }"];

  it("writes a spaces patch's deeper levels as tabs in a tab-indented file", () => {
    const result = run(["if (a) {", "\tgo();", "}"], codexHunks(" if (a) {", "-    go();", ...nested.map((line) => `+${line}`), " }"));
    expect(result.lines).toEqual(["if (a) {", "\tif (b) {", "\t\tstop();", "\t}", "}"]);
    expect(result.outcomes[0]?.matchedBy).toBe("indentation");
  });

  it("writes a tabs patch's deeper levels as spaces in a space-indented file", () => {
    const tabbed = nested.map((line) => `+${line.replace(/ {4}/g, "\t")}`);
    const result = run(["if (a) {", "    go();", "}"], codexHunks(" if (a) {", "-\tgo();", ...tabbed, " }"));
    expect(result.lines).toEqual(["if (a) {", "    if (b) {", "        stop();", "    }", "}"]);
  });

  it("takes the spaces per tab from the matched lines (2 here), and maps shallower levels too", () => {
    const file = ["class A {", "\trun() {", "\t\tgo();", "\t}", "}"];
    const patch = hunk(["    go();", "  }"], ["    go();", "      deeper();", "  }", "top();"]);
    expect(run(file, [patch]).lines).toEqual(["class A {", "\trun() {", "\t\tgo();", "\t\t\tdeeper();", "\t}", "top();", "}"]);
    const shallower = hunk(["    go();"], ["  if (x) {", "    go();", "  }"]);
    expect(run(file, [shallower]).lines).toEqual(["class A {", "\trun() {", "\tif (x) {", "\t\tgo();", "\t}", "\t}", "}"]);
  });

  it("keeps spaces short of a level after the levels, and a shifted block's extra indentation as written", () => {
    const file = ["if (a) {", "\tcall(x,", "\t  y);", "}"];
    const patch = hunk(["if (a) {", "    call(x,"], ["if (a) {", "    call(x,", "      z,", "          w,"]);
    expect(run(file, [patch]).lines).toEqual(["if (a) {", "\tcall(x,", "\t  z,", "\t\t  w,", "\t  y);", "}"]);
    const shifted = hunk([" if (a) {", "     go();"], [" if (a) {", "     go();", "         deeper();"]);
    expect(run(["if (a) {", "    go();"], [shifted]).lines).toEqual(["if (a) {", "    go();", "        deeper();"]);
  });

  it("rescales a patch indented by 4 spaces against a file indented by 2 when the matched levels show it", () => {
    const file = ["a {", "  b {", "    c;", "  }", "}"];
    const patch = hunk(["a {", "    b {", "        c;"], ["a {", "    b {", "        c;", "            d;"]);
    expect(run(file, [patch]).lines).toEqual(["a {", "  b {", "    c;", "      d;", "  }", "}"]);
  });

  it("uses the file's style when the matched lines are indented alike on both sides", () => {
    // Only column-0 lines matched, so nothing showed the mismatch: the file indents with 4 spaces only.
    const file = ["import a;", "import b;", "", "function f() {", "    return 1;", "}"];
    const patch = hunk(["import a;", "import b;"], ["import a;", "if (x) {", "\treturn 2;", "}", "import b;"]);
    expect(run(file, [patch]).lines.slice(0, 5)).toEqual(["import a;", "if (x) {", "    return 2;", "}", "import b;"]);
    const tabFile = ["package p", "", "func f() {", "\treturn", "}"];
    const spaced = hunk(["package p"], ["package p", "func g() {", "  if x {", "    y()", "  }", "}"]);
    expect(run(tabFile, [spaced]).lines.slice(0, 6)).toEqual(["package p", "func g() {", "\tif x {", "\t\ty()", "\t}", "}"]);
  });

  it("counts a lone space-indented added line in 4-space levels when nothing else tells", () => {
    const file = ["func f() {", "\tif x {", "\t\tgo()", "\t}", "}"];
    const patch = hunk(["\t\tgo()"], ["\t\tgo()", "        stop()"]);
    expect(run(file, [patch]).lines[3]).toBe("\t\tstop()");
  });

  it("does not take the one-space step of a comment block for the patch's unit", () => {
    const file = ["package p", "", "func f() {", "\treturn", "}"];
    const patch = hunk(["package p"], ["package p", "/**", " * Doc.", " */", "func g() {", "    y()", "}"]);
    expect(run(file, [patch]).lines.slice(0, 7)).toEqual(["package p", "/**", " * Doc.", " */", "func g() {", "\ty()", "}"]);
  });

  it("leaves a line in the file's own style alone, alignment included", () => {
    const file = ["func f() {", "\tcall(a,", "\t     b)", "}"];
    const patch = hunk(["func f() {"], ["func f() {", "\tx := g(1,", "\t       2)"]);
    expect(run(file, [patch]).lines).toEqual(["func f() {", "\tx := g(1,", "\t       2)", "\tcall(a,", "\t     b)", "}"]);
  });
});

describe("applyHunks: which lines a hunk keeps", () => {
  it("follows the Codex markers: a context line keeps the file's copy of the line it matched", () => {
    const patch = codexHunks("-x = 1", "-y = 2", " x = 1");
    expect(run(["def f():", "    x = 1", "y = 2", "x = 1"], patch).lines).toEqual(["def f():", "x = 1"]);
    expect(run(["x = 1  ", "y = 2", "x = 1"], patch).lines).toEqual(["x = 1"]);
    expect(run(["x = 1  ", "y = 2", "x = 1"], patch)).toMatchObject({ added: 0, removed: 2 });
  });

  it("never lets a removed line stand in for an added one that reads the same", () => {
    const file = ["function f() {", "  if (a) {", "    go();", "  }  ", "}"];
    const result = run(file, codexHunks("   if (a) {", "     go();", "-  }", "+    stop();", "+  }", " }"));
    expect(result.lines).toEqual(["function f() {", "  if (a) {", "    go();", "    stop();", "  }", "}"]);
    expect(result).toMatchObject({ added: 2, removed: 1 });
  });

  it("drops the context pair of a trailing empty line that stood for the final newline", () => {
    expect(run(["a", "b"], codexHunks(" a", "-b", "+c", "")).lines).toEqual(["a", "c"]);
  });

  it("pairs SEARCH/REPLACE lines (no markers) by position: common first and last lines stay in place", () => {
    // Without markers the first line of each side is the one kept; the file's copy of it survives.
    const search = hunk(["x = 1", "y = 2", "x = 1"], ["x = 1"]);
    expect(run(["x = 1  ", "y = 2", "x = 1"], [search]).lines).toEqual(["x = 1  "]);
    const block = hunk(["  go();", "}"], ["  go();", "  if (b) {", "    stop();", "  }", "}"]);
    expect(run(["f() {", "  go(); ", "} ", "g();"], [block]).lines).toEqual(["f() {", "  go(); ", "  if (b) {", "    stop();", "  }", "} ", "g();"]);
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
