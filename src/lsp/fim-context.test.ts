import { describe, expect, it } from "vitest";
import { buildFimContext, pickNeighbors, stableTail } from "./fim-context.js";

describe("FIM context", () => {
  it("keeps the start of a long prefix in place while the user types, starting at a line", () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i}`).join("\n");
    const first = stableTail(text, 400);
    expect(first.length).toBeLessThanOrEqual(400);
    expect(text.endsWith(first)).toBe(true);
    expect(text[text.length - first.length - 1]).toBe("\n");
    const typed = stableTail(`${text}abc`, 400);
    expect(typed.startsWith(first)).toBe(true);
    expect(stableTail("short", 400)).toBe("short");
  });

  it("splits the cursor's line and windows both sides", () => {
    const text = "a\nconst x = f(1);\nb\n";
    const offset = text.indexOf("1");
    const context = buildFimContext({ path: "a.ts", languageId: "typescript", text, lastTouched: 0 }, offset, [], { prefixChars: 100, suffixChars: 100, neighborChars: 0 });
    expect(context).toMatchObject({ prefix: "a\nconst x = f(", suffix: "1);\nb\n", linePrefix: "const x = f(", lineSuffix: "1);", neighbors: [] });
  });

  it("prefers open files in the same language, then the most recent, within the budget", () => {
    const open = [
      { path: "a.py", languageId: "python", text: "x = 1\n".repeat(10), lastTouched: 9 },
      { path: "b.ts", languageId: "typescript", text: "let b;\n".repeat(10), lastTouched: 1 },
      { path: "c.ts", languageId: "typescript", text: "let c;\n".repeat(100), lastTouched: 5 },
      { path: "me.ts", languageId: "typescript", text: "me", lastTouched: 10 },
    ];
    const picked = pickNeighbors({ path: "me.ts", languageId: "typescript" }, open, 500);
    expect(picked.map((file) => file.path)).toEqual(["c.ts"]);
    expect(picked[0]?.text.length).toBeLessThanOrEqual(500);
    expect(pickNeighbors({ path: "me.ts", languageId: "typescript" }, open, 2000).map((file) => file.path)).toEqual(["c.ts", "b.ts", "a.py"]);
  });
});
