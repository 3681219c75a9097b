import { approvalFor } from "../../sandbox/index.js";
import { type ToolContext, type ToolResult, toolError } from "./tool.js";

/** Asks the user about an edit when the approval mode wants that; a refusal comes back as the tool's result. */
export async function refuseUnapprovedEdit(context: ToolContext, detail: string): Promise<ToolResult | undefined> {
  if (approvalFor(context.approvalMode, "edit") !== "ask") return undefined;
  if (!context.ask) return toolError(`editing files needs approval in ${context.approvalMode} mode and nobody can be asked here; the user can run with --approval auto-edit to allow edits.`);
  if (!(await context.ask({ kind: "edit", detail }))) return toolError("the user declined this edit. Ask what they want instead, or try a different change.");
  return undefined;
}
