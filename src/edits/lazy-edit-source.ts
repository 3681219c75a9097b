import type { PatchFs } from "./patch-fs.js";
import { openWorkspace, resolveWorkspacePath } from "./workspace-path.js";
import { readExistingFile, statTarget } from "./workspace-file.js";
import { loadWriteGuard, type WriteGuardOptions } from "./write-guard.js";
import { decodeText } from "./text-document.js";

/**
 * The file a lazy edit targets, read under the rules every write follows (inside the workspace, not
 * through a link out of it, not protected, text, under the size limit) before any of it is merged or
 * shown to a merge model: a refused path is refused before its content leaves the disk.
 */
export type LazyEditSource = { exists: false } | { exists: true; lines: string[] };

export async function readLazyEditSource(path: string, options: WriteGuardOptions & { workspace: string; fs: PatchFs; maxFileBytes: number }): Promise<LazyEditSource> {
  const workspace = await openWorkspace(options.workspace, options.fs);
  const target = await resolveWorkspacePath(workspace, path, options.fs);
  await (await loadWriteGuard(workspace, options, [target.real])).assertWritable(target);
  if ((await statTarget(options.fs, target)) === undefined) return { exists: false };
  const file = await readExistingFile(options.fs, workspace, target, options.maxFileBytes);
  return { exists: true, lines: decodeText(file.bytes, target.display).lines };
}
