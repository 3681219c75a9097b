import { describe, expect, it } from "vitest";
import { thrownBy } from "../../test/support/thrown-by.js";
import { parseSearchReplace } from "./parse-search-replace.js";
import { parsePatch } from "./parse-patch.js";
import { PatchError } from "./patch-error.js";

const parseFails = (text: string): PatchError => thrownBy(PatchError, () => parsePatch(text));

describe("parseSearchReplace", () => {
  it("reads the path above the fence, one update operation per block", () => {
    const text = [
      "Change the greeting:",
      "",
      "src/app.ts",
      "```ts",
      "<<<<<<< SEARCH",
      'const greeting = "hi";',
      "=======",
      'const greeting = "hello";',
      ">>>>>>> REPLACE",
      "```",
      "",
      "```ts",
      "<<<<<<< SEARCH",
      "a",
      "=======",
      ">>>>>>> REPLACE",
      "```",
    ].join("\n");
    expect(parseSearchReplace(text)).toEqual([
      {
        kind: "update",
        path: "src/app.ts",
        createIfMissing: false,
        sourceLine: 5,
        hunks: [{ contextHeaders: [], oldLines: ['const greeting = "hi";'], newLines: ['const greeting = "hello";'], endOfFile: false, sourceLine: 5 }],
      },
      // No path above the second block: it reuses the previous one.
      {
        kind: "update",
        path: "src/app.ts",
        createIfMissing: false,
        sourceLine: 13,
        hunks: [{ contextHeaders: [], oldLines: ["a"], newLines: [], endOfFile: false, sourceLine: 13 }],
      },
    ]);
  });

  it("takes the path from a fence line or a decorated line, and an empty SEARCH creates", () => {
    const [fenced] = parseSearchReplace("```src/new.py\n<<<<<<< SEARCH\n=======\nprint(1)\n>>>>>>> REPLACE\n```");
    expect(fenced).toMatchObject({ path: "src/new.py", createIfMissing: true, hunks: [{ oldLines: [], newLines: ["print(1)"] }] });
    const [decorated] = parseSearchReplace("**`lib/a.rs`**:\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE");
    expect(decorated).toMatchObject({ path: "lib/a.rs" });
  });

  it("names the line when a block is cut off or has no path", () => {
    expect(parseFails("a.txt\n<<<<<<< SEARCH\nx\n=======\ny\n").message).toMatch(/^Patch line 2: expected '>>>>>>> REPLACE'.*cut off/);
    expect(parseFails("a.txt\n<<<<<<< SEARCH\nx\n").message).toMatch(/^Patch line 2: expected '======='/);
    expect(parseFails("a.txt\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n").line).toBe(4);
    expect(parseFails("Here is my change\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE").message).toMatch(/line 2: expected the file path/);
  });
});

describe("parsePatch", () => {
  it("detects the format", () => {
    expect(parsePatch("*** Begin Patch\n*** Delete File: a\n*** End Patch").format).toBe("codex");
    expect(parsePatch("a\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE").format).toBe("search-replace");
  });

  it("explains what it expected when it recognises neither", () => {
    expect(parseFails("please change x to y\n").message).toContain("expected a Codex patch");
    expect(parseFails("--- a/x\n+++ b/x\n").message).toContain("the diff changes no file");
    expect(parseFails("*** Update File: x\n@@\n-a\n+b").message).toContain("Patch line 1: expected '*** Begin Patch'");
  });
});
