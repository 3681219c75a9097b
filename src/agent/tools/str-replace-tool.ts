import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { refuseUnapprovedEdit } from "./edit-approval.js";

/**
 * The string-replacement edit (Claude Code's, opencode's and Gemini CLI's edit tools): the model names
 * the exact text to replace. It goes through the same engine as apply_patch (as the JSON that `spark
 * apply` reads), so it gets the same guards, atomic write and checkpoint for `spark undo`.
 */
export const strReplaceTool = defineTool(
  "str_replace",
  [
    "Replace text in one file: old_string is the exact text to find (copy it from the file, whitespace included, without line numbers),",
    "new_string what to put in its place. old_string must occur exactly once, unless replace_all is true, which changes every occurrence;",
    "include a few surrounding lines to make it unique. An empty old_string creates a new file with new_string as its text.",
  ].join(" "),
  z.object({
    path: z.string().min(1).describe("the file, relative to the workspace"),
    old_string: z.string().describe("the exact text to replace"),
    new_string: z.string().describe("the text to put in its place"),
    replace_all: z.boolean().optional().describe("replace every occurrence (default false)"),
  }),
  async (args, context) => {
    const edit = JSON.stringify({ path: args.path, old_string: args.old_string, new_string: args.new_string, replace_all: args.replace_all === true });
    const detail = `${args.path}: replace${args.replace_all === true ? " every" : ""}\n${args.old_string}\nwith\n${args.new_string}`;
    return (await refuseUnapprovedEdit(context, detail)) ?? context.applyPatch(edit);
  },
);
