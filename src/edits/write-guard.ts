import { relative, sep } from "node:path";
import { GIT_DIR_SHAPE_REASON, gitDirShapedAncestor, loadProtectedPaths, type PendingFiles, type ProtectedPaths } from "../workspace/index.js";
import { PatchError } from "./patch-error.js";
import type { FileOperation } from "./patch-types.js";
import type { PatchFs } from "./patch-fs.js";
import { type Workspace, type WorkspacePath, resolveWorkspacePath } from "./workspace-path.js";

/**
 * Which workspace paths the patch engine may write: not the protected ones (src/workspace/protected-paths.ts,
 * the list the sandbox shares), neither by their own name nor through a symbolic link that leads there;
 * nor inside a directory git would take for a repository, counting what the whole patch is about to write
 * (src/workspace/git-dir-shape.ts), so that no patch completes one file by file. Checked while planning
 * each operation, so every entry point gets it and a refusal costs only that operation.
 */
export interface WriteGuardOptions {
  /** `[sandbox] protected` globs from the configuration, added to the built-in list. */
  protectedGlobs?: readonly string[] | undefined;
  /** Only a person's explicit `--allow-protected`; never set for a model or a tool. */
  allowProtected?: boolean | undefined;
}

export interface WriteGuard {
  /** Rejects with a PatchError naming the path and why it is protected. */
  assertWritable(path: WorkspacePath): Promise<void>;
}

/** `pending`: the real paths of every file the patch writes (plannedWrites), none for an undo. */
export async function loadWriteGuard(workspace: Workspace, options: WriteGuardOptions, pending: PendingFiles = []): Promise<WriteGuard> {
  if (options.allowProtected === true) return { assertWritable: async () => undefined };
  const paths = await loadProtectedPaths(workspace.root, { extra: options.protectedGlobs ?? [] });
  return { assertWritable: (path) => assertNotProtected(paths, workspace, path, pending) };
}

/**
 * Where a patch's operations will write, resolved through symbolic links as the writes will be: a link
 * to a directory must not hide that two operations fill the same one. A path that does not resolve is
 * left out; its own operation fails anyway.
 */
export async function plannedWrites(operations: readonly FileOperation[], workspace: Workspace, fs: PatchFs): Promise<string[]> {
  const targets = operations.flatMap((op) => (op.kind === "delete" ? [] : op.kind === "update" && op.moveTo !== undefined ? [op.moveTo] : [op.path]));
  const resolved = await Promise.all(targets.map((target) => resolveWorkspacePath(workspace, target, fs).catch(() => undefined)));
  return resolved.flatMap((path) => (path === undefined ? [] : [path.real]));
}

async function assertNotProtected(paths: ProtectedPaths, workspace: Workspace, path: WorkspacePath, pending: PendingFiles): Promise<void> {
  const realRelative = relative(workspace.root, path.real).split(sep).join("/");
  const byName = paths.reasonFor(path.display);
  const reason = byName ?? paths.reasonFor(realRelative);
  if (reason !== undefined) {
    const via = byName === undefined ? ` (it is a symbolic link to ${realRelative})` : "";
    throw refusal(`${path.display}${via}`, reason);
  }
  const repository = await gitDirShapedAncestor(workspace.root, path.real, [...pending, path.real]);
  if (repository !== undefined) throw refusal(path.display, `it is in ${repository}/, and ${GIT_DIR_SHAPE_REASON}`);
}

function refusal(what: string, reason: string): PatchError {
  return new PatchError(
    "protected_path",
    `${what} is protected: ${reason}. Patches may not change it; if you mean to, edit it yourself or run \`spark apply --allow-protected\`.`,
  );
}
