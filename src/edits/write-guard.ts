import { relative, sep } from "node:path";
import { loadProtectedPaths, type ProtectedPaths } from "../workspace/index.js";
import { PatchError } from "./patch-error.js";
import type { Workspace, WorkspacePath } from "./workspace-path.js";

/**
 * Which workspace paths the patch engine may write: not the protected ones (src/workspace/protected-paths.ts,
 * the list the sandbox shares), neither by their own name nor through a symbolic link that leads there.
 * Checked while planning each operation, so every entry point gets it and a refusal costs only that
 * operation.
 */
export interface WriteGuardOptions {
  /** `[sandbox] protected` globs from the configuration, added to the built-in list. */
  protectedGlobs?: readonly string[] | undefined;
  /** Only a person's explicit `--allow-protected`; never set for a model or a tool. */
  allowProtected?: boolean | undefined;
}

export interface WriteGuard {
  /** Throws a PatchError naming the path and why it is protected. */
  assertWritable(path: WorkspacePath): void;
}

export async function loadWriteGuard(workspace: Workspace, options: WriteGuardOptions): Promise<WriteGuard> {
  if (options.allowProtected === true) return { assertWritable: () => undefined };
  const paths = await loadProtectedPaths(workspace.root, { extra: options.protectedGlobs ?? [] });
  return { assertWritable: (path) => assertNotProtected(paths, workspace, path) };
}

function assertNotProtected(paths: ProtectedPaths, workspace: Workspace, path: WorkspacePath): void {
  const realRelative = relative(workspace.root, path.real).split(sep).join("/");
  const byName = paths.reasonFor(path.display);
  const reason = byName ?? paths.reasonFor(realRelative);
  if (reason === undefined) return;
  const via = byName === undefined ? ` (it is a symbolic link to ${realRelative})` : "";
  throw new PatchError(
    "protected_path",
    `${path.display}${via} is protected: ${reason}. Patches may not change it; if you mean to, edit it yourself or run \`spark apply --allow-protected\`.`,
  );
}
