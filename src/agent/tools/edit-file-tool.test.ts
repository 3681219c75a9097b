import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toolContext, toolWorkspace } from "../../../test/support/tool-workspace.js";
import { applyLazyEdit, formatLazyEditReport } from "../../edits/index.js";
import { editFileTool } from "./edit-file-tool.js";
import { patchToolResult } from "./patch-tool-result.js";
import type { ToolContext } from "./tool.js";

const workspace = (): string => toolWorkspace("spark-edit-file-", "app.py", "import os\n\ndef main():\n    print('hi')\n\ndef helper():\n    return 1\n");

function context(root: string, overrides: Partial<ToolContext> = {}): ToolContext {
  return toolContext(root, {
    applyLazyEdit: async (edit) => {
      const report = await applyLazyEdit(edit.path, edit.snippet, { workspace: root, mergeModel: edit.mergeModel });
      return { ...patchToolResult(report), output: formatLazyEditReport(report) };
    },
    ...overrides,
  });
}

describe("edit_file", () => {
  it("applies a lazy snippet and reports the lines changed", async () => {
    const root = workspace();
    const result = await editFileTool.execute({ path: "app.py", snippet: "# ... existing code ...\ndef main():\n    print('hello')\n\ndef helper():\n# ... existing code ..." }, context(root));
    expect(result.ok).toBe(true);
    expect(result.changes).toEqual([{ path: "app.py", added: 1, removed: 1 }]);
    expect(readFileSync(join(root, "app.py"), "utf8")).toBe("import os\n\ndef main():\n    print('hello')\n\ndef helper():\n    return 1\n");
  });

  it("tells the model why a snippet cannot be placed, and asks for approval where the mode says so", async () => {
    const root = workspace();
    const floating = await editFileTool.execute({ path: "app.py", snippet: "# ...\nVERSION = 2\n# ..." }, context(root));
    expect(floating.ok).toBe(false);
    expect(floating.output).toContain("does not hold");
    const declined = await editFileTool.execute({ path: "app.py", snippet: "x = 1\n" }, context(root, { approvalMode: "suggest", ask: async () => false }));
    expect(declined.output).toContain("declined");
    const nobody = await editFileTool.execute({ path: "app.py", snippet: "x = 1\n" }, context(root, { approvalMode: "suggest" }));
    expect(nobody.output).toContain("needs approval");
    expect(readFileSync(join(root, "app.py"), "utf8")).toContain("def helper");
  });
});
