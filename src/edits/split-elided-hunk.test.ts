import { describe, expect, it } from "vitest";
import { applyHunks } from "./apply-hunks.js";
import { parseSearchReplace } from "./parse-search-replace.js";

const block = (search: string[], replace: string[]) => ["a.py", "<<<<<<< SEARCH", ...search, "=======", ...replace, ">>>>>>> REPLACE"].join("\n");

describe("aider's '...' lines inside SEARCH/REPLACE", () => {
  const file = ["def f():", "    x = 1", "    y = 2", "    z = 3", "    return x"];

  it("splits the block at paired '...' lines and keeps the code between them", () => {
    const [op] = parseSearchReplace(block(["def f():", "...", "    return x"], ["def f(a):", "...", "    return a"]));
    expect(op?.kind === "update" && op.hunks).toHaveLength(2);
    if (op?.kind !== "update") return;
    const result = applyHunks(file, op.hunks, { displayPath: "a.py", addedLineSuffix: "" });
    expect(result.lines).toEqual(["def f(a):", "    x = 1", "    y = 2", "    z = 3", "    return a"]);
  });

  it("leaves a block whose '...' lines do not pair up as one hunk", () => {
    const [op] = parseSearchReplace(block(["def f():", "...", "    return x"], ["def f(a):", "    return a"]));
    expect(op?.kind === "update" && op.hunks).toHaveLength(1);
  });
});
