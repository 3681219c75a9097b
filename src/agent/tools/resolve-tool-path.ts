import { nodePatchFs, openWorkspace, resolveWorkspacePath } from "../../edits/index.js";

/**
 * The same path rules as patches (no absolute paths, no `..` or symlink escapes) for the read-only
 * tools; "." and "" mean the workspace itself.
 */
export async function resolveToolPath(workspace: string, path: string | undefined): Promise<{ display: string; real: string }> {
  const root = await openWorkspace(workspace, nodePatchFs);
  if (path === undefined || path === "" || path === "." || path === "./") return { display: "", real: root.root };
  return resolveWorkspacePath(root, path, nodePatchFs);
}
