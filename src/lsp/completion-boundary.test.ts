import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CompletionBoundary } from "./completion-boundary.js";

const boundary = (linePrefix: string, lineSuffix = "", followingText = "", maxLines = 12): CompletionBoundary =>
  new CompletionBoundary({ linePrefix, lineSuffix, followingText, maxLines });

describe("CompletionBoundary", () => {
  it("ends a mid-line suggestion at the line break, dropping a tail the line already has", () => {
    const cut = boundary("const x = max(", ")");
    expect(cut.mode).toBe("line");
    expect(cut.cut("a, b", false)).toEqual({ text: "a, b", done: false });
    expect(cut.cut("a, b)\nconst y", false)).toEqual({ text: "a, b", done: true });
    expect(cut.cut("a, b)", true)).toEqual({ text: "a, b", done: true });
  });

  it("keeps a block the line opens, with its closing line, and stops after it", () => {
    const cut = boundary("function f() {");
    expect(cut.mode).toBe("block");
    expect(cut.cut("\n  return 1;\n}\nfunction g() {}", false)).toEqual({ text: "\n  return 1;\n}", done: true });
    expect(cut.cut("\n  return 1;\n", false).done).toBe(false);
  });

  it("leaves out a closing line the text after the cursor already has", () => {
    expect(boundary("if (ok) {", "", "}\n").cut("\n  go();\n}\n", false)).toEqual({ text: "\n  go();", done: true });
  });

  it("stops at a dedent, a blank line, a line the file already has, and the line limit", () => {
    expect(boundary("    ").cut("a();\n    b();\n  }\n", false)).toEqual({ text: "a();\n    b();", done: true });
    expect(boundary("").cut("a();\nb();\n\nc();", false)).toEqual({ text: "a();\nb();", done: true });
    expect(boundary("", "", "next();\n").cut("a();\nnext();\n", false)).toEqual({ text: "a();", done: true });
    expect(boundary("", "", "", 2).cut("1\n2\n3\n4", false)).toEqual({ text: "1\n2", done: true });
  });

  it("ends a block when generation ends, without trailing whitespace", () => {
    expect(boundary("").cut("a();\nb();  \n", true)).toEqual({ text: "a();\nb();", done: true });
  });
});

describe("CompletionBoundary while the suggestion streams", () => {
  const codeLine = fc.constantFrom("", "  ", "x = 1", "  return x;", "    nested()", "}", "  }", ")", "\tif (a) {", "def f():", "  pass", "// note", "x = 1\r");
  const input = fc.record({
    linePrefix: fc.constantFrom("", "  ", "  const a = ", "function f() {", "  if (x) {", "def g():", "    "),
    lineSuffix: fc.constantFrom("", "", ")", ");", " // tail", "}"),
    followingText: fc.constantFrom("", "}\n", "  return x;\n}\n", "\n\nnext()"),
    maxLines: fc.integer({ min: 1, max: 6 }),
  });

  it("stops where it stops on the whole suggestion, whatever prefix it first sees a boundary in", () => {
    fc.assert(
      fc.property(input, fc.array(codeLine, { minLength: 1, maxLength: 8 }), (boundaryInput, lines) => {
        const generated = lines.join("\n");
        const whole = new CompletionBoundary(boundaryInput).cut(generated, true);
        for (let length = 0; length <= generated.length; length++) {
          const early = new CompletionBoundary(boundaryInput).cut(generated.slice(0, length), false);
          if (early.done) {
            expect(early.text).toBe(whole.text);
            break;
          }
          expect(generated.startsWith(early.text)).toBe(true);
        }
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
