import { z } from "zod";
import { approvalFor } from "../../sandbox/index.js";
import { defineTool } from "./define-tool.js";
import { toolError } from "./tool.js";

export const applyPatchTool = defineTool(
  "apply_patch",
  [
    "Edit files with a patch. Prefer small, surgical hunks over rewriting files. Formats:",
    "1) Codex envelope: *** Begin Patch / *** Update File: PATH (then @@ context headers and lines starting ' ', '-', '+') /",
    "   *** Add File: PATH (lines starting '+') / *** Delete File: PATH / optional *** Move to: PATH / *** End Patch.",
    "2) SEARCH/REPLACE blocks: a line with the path, then <<<<<<< SEARCH, the exact old lines, =======, the new lines, >>>>>>> REPLACE.",
    "Each hunk applies on its own; the result says which failed and shows the closest lines so you can resend only those.",
  ].join("\n"),
  z.object({ patch: z.string().min(1) }),
  async ({ patch }, context) => {
    if (approvalFor(context.approvalMode, "edit") === "ask") {
      if (!context.ask) return toolError(`editing files needs approval in ${context.approvalMode} mode and nobody can be asked here; the user can run with --approval auto-edit to allow edits.`);
      if (!(await context.ask({ kind: "edit", detail: patch }))) return toolError("the user declined this patch. Ask what they want instead, or try a different change.");
    }
    return context.applyPatch(patch);
  },
);
