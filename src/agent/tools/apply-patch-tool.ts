import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { refuseUnapprovedEdit } from "./edit-approval.js";

export const applyPatchTool = defineTool(
  "apply_patch",
  [
    "Edit files with a patch. Prefer small, surgical hunks over rewriting files. Formats:",
    "1) Codex envelope: *** Begin Patch / *** Update File: PATH (then @@ context headers and lines starting ' ', '-', '+') /",
    "   *** Add File: PATH (lines starting '+') / *** Delete File: PATH / optional *** Move to: PATH / *** End Patch.",
    "2) SEARCH/REPLACE blocks: a line with the path, then <<<<<<< SEARCH, the exact old lines, =======, the new lines, >>>>>>> REPLACE.",
    "3) A unified diff (--- a/PATH, +++ b/PATH, @@ hunks), as git diff writes it; line numbers are only hints.",
    "Each hunk applies on its own; the result says which failed and shows the closest lines so you can resend only those.",
  ].join("\n"),
  z.object({ patch: z.string().min(1) }),
  async ({ patch }, context) => (await refuseUnapprovedEdit(context, patch)) ?? context.applyPatch(patch),
);
