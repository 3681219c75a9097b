import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toolContext, toolWorkspace } from "../../../test/support/tool-workspace.js";
import { strReplaceTool } from "./str-replace-tool.js";
import type { ApprovalRequest } from "./tool.js";

const workspace = (text: string): string => toolWorkspace("spark-str-replace-", "a.ts", text);
const context = toolContext;

describe("str_replace", () => {
  it("replaces the one occurrence of old_string and reports the change", async () => {
    const root = workspace("const a = 1;\nconst b = 1;\n");
    const result = await strReplaceTool.execute({ path: "a.ts", old_string: "a = 1", new_string: "a = 2" }, context(root));
    expect(result.ok).toBe(true);
    expect(result.changes).toEqual([{ path: "a.ts", added: 1, removed: 1 }]);
    expect(readFileSync(join(root, "a.ts"), "utf8")).toBe("const a = 2;\nconst b = 1;\n");
  });

  it("refuses an ambiguous old_string, telling the model to add context or set replace_all; replace_all changes each", async () => {
    const root = workspace("x = 1\ny = 1\n");
    const refused = await strReplaceTool.execute({ path: "a.ts", old_string: "= 1", new_string: "= 2" }, context(root));
    expect(refused.ok).toBe(false);
    expect(refused.output).toContain("set replace_all to true");
    const all = await strReplaceTool.execute({ path: "a.ts", old_string: "= 1", new_string: "= 2", replace_all: true }, context(root));
    expect(all.ok).toBe(true);
    expect(readFileSync(join(root, "a.ts"), "utf8")).toBe("x = 2\ny = 2\n");
  });

  it("says when old_string is not in the file, and when the edit would change nothing", async () => {
    const root = workspace("x = 1\n");
    const missing = await strReplaceTool.execute({ path: "a.ts", old_string: "z = 1", new_string: "z = 2" }, context(root));
    expect(missing.output).toContain("did not match");
    expect(missing.output).toContain("Copy old_string exactly from the file");
    const same = await strReplaceTool.execute({ path: "a.ts", old_string: "x = 1", new_string: "x = 1" }, context(root));
    expect(same.output).toContain("changes nothing");
  });

  it("asks before editing in suggest mode and writes nothing when declined", async () => {
    const root = workspace("x = 1\n");
    const asked: ApprovalRequest[] = [];
    const ask = async (request: ApprovalRequest): Promise<boolean> => {
      asked.push(request);
      return false;
    };
    const result = await strReplaceTool.execute({ path: "a.ts", old_string: "x = 1", new_string: "x = 2" }, context(root, { approvalMode: "suggest", ask }));
    expect(result.ok).toBe(false);
    expect(asked[0]?.kind).toBe("edit");
    expect(asked[0]?.detail).toContain("a.ts: replace");
    expect(readFileSync(join(root, "a.ts"), "utf8")).toBe("x = 1\n");
  });

  it("refuses paths outside the workspace", async () => {
    const root = workspace("x\n");
    const result = await strReplaceTool.execute({ path: "../escape.ts", old_string: "", new_string: "x" }, context(root));
    expect(result.ok).toBe(false);
  });
});
