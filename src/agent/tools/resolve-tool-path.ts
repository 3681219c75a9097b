import { SparkError } from "../../core/index.js";
import { nodePatchFs, openWorkspace, resolveWorkspacePath } from "../../edits/index.js";
import { toolError, type ToolResult } from "./tool.js";

export type ResolvedToolPath = { display: string; real: string; refusal?: undefined } | { refusal: ToolResult };

/**
 * The same path rules as patches (no absolute paths, no `..` or symlink escapes) for the read-only
 * tools; "." and "" mean the workspace itself. A refused path comes back as the tool's answer.
 */
export async function resolveToolPath(workspace: string, path: string | undefined): Promise<ResolvedToolPath> {
  try {
    const root = await openWorkspace(workspace, nodePatchFs);
    if (path === undefined || path === "" || path === "." || path === "./") return { display: "", real: root.root };
    return await resolveWorkspacePath(root, path, nodePatchFs);
  } catch (error) {
    return { refusal: toolError(error instanceof SparkError ? error.message : String(error)) };
  }
}
