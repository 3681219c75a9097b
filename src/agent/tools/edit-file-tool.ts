import { z } from "zod";
import { approvalFor } from "../../sandbox/index.js";
import { defineTool } from "./define-tool.js";
import { toolError } from "./tool.js";

/**
 * `edit_file`: the lazy edit as a tool (the format Cursor's and Morph's agents write): the path and the
 * new code, with `// ... existing code ...` for what stays. Spark merges it (deterministically, else with
 * the fast model) and writes only if the merge changed nothing the snippet did not touch.
 */
export const editFileTool = defineTool(
  "edit_file",
  [
    "Edit one file by writing only what changes: the new code, with a comment such as `// ... existing code ...` (`# ...` in Python, `<!-- ... -->` in HTML) standing for each unchanged stretch.",
    "Include an unchanged line or two above and below each change, so it is clear where it goes. Code you leave out without a marker is deleted.",
    "Without any marker, the snippet is the whole new file (this also creates a file). The result says whether it applied and, if not, why.",
  ].join("\n"),
  z.object({ path: z.string().min(1).describe("the file, relative to the workspace"), snippet: z.string().min(1).describe("the new code, with elision comments for unchanged code") }),
  async ({ path, snippet }, context) => {
    if (context.applyLazyEdit === undefined) return toolError("edit_file is not available here; use apply_patch.");
    if (approvalFor(context.approvalMode, "edit") === "ask") {
      if (!context.ask) return toolError(`editing files needs approval in ${context.approvalMode} mode and nobody can be asked here; the user can run with --approval auto-edit to allow edits.`);
      if (!(await context.ask({ kind: "edit", detail: `${path}\n${snippet}` }))) return toolError("the user declined this edit. Ask what they want instead, or try a different change.");
    }
    return context.applyLazyEdit({ path, snippet, ...(context.mergeModel ? { mergeModel: context.mergeModel } : {}), ...(context.signal ? { signal: context.signal } : {}) });
  },
);
