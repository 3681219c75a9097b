import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SparkError } from "../core/index.js";
import { parsePatch } from "./parse-patch.js";

/** Lines from every format Spark reads, nested and unclosed as a model may write them. */
const line = fc.constantFrom(
  "*** Begin Patch",
  "*** End Patch",
  "*** Add File: a.txt",
  "*** Update File: src/b.ts",
  "*** Delete File: c.md",
  "*** Move to: d.ts",
  "*** End of File",
  "@@",
  "@@ function f() {",
  "@@ -1,2 +1,2 @@",
  "+added",
  "-removed",
  " context",
  "",
  "<<<<<<< SEARCH",
  "=======",
  ">>>>>>> REPLACE",
  "src/b.ts",
  "--- a/src/b.ts",
  "+++ b/src/b.ts",
  "```",
  "```diff",
  '{"path": "x", "old_string": "a", "new_string": "b"}',
  "...",
  "\\ No newline at end of file",
);

describe("parsePatch on generated patch-like text", () => {
  it("parses or refuses with a SparkError that names what to fix, for any mix of markers, line ends and cuts", () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.constantFrom("\n", "\r\n"), fc.nat({ max: 2000 }), (lines, eol, cut) => {
        const text = lines.join(eol).slice(0, cut);
        try {
          parsePatch(text);
        } catch (error) {
          expect(error).toBeInstanceOf(SparkError);
          expect((error as SparkError).message.length).toBeGreaterThan(10);
        }
      }),
      { seed: 40, numRuns: 3000 },
    );
  });
});

/** A well-formed Codex patch: files added, deleted and updated with hunks. */
const codexPatch = fc
  .array(
    fc.oneof(
      fc.array(fc.constantFrom("+one", "+two", "+"), { minLength: 1, maxLength: 3 }).map((body) => ["*** Add File: added.txt", ...body]),
      fc.constant(["*** Delete File: gone.txt"]),
      fc.array(fc.constantFrom(" keep", "-old", "+new"), { minLength: 1, maxLength: 4 }).map((body) => ["*** Update File: src/b.ts", "@@", ...body]),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((files) => ["*** Begin Patch", ...files.flat(), "*** End Patch"].join("\n"));

describe("a Codex patch cut short", () => {
  it("is refused whole, never parsed into the operations before the cut (a model stopped mid-patch)", () => {
    fc.assert(
      fc.property(codexPatch, fc.nat(), (patch, at) => {
        const end = patch.lastIndexOf("\n*** End Patch");
        const cut = patch.slice(0, at % (end + 1));
        expect(() => parsePatch(cut)).toThrow(SparkError);
      }),
      { seed: 41, numRuns: 1000 },
    );
  });
});
