import { relative, sep } from "node:path";
import type { PatchDirectory, PatchFs } from "./patch-fs.js";
import { PatchError, errnoCode, toPatchIoError } from "./patch-error.js";
import type { Workspace } from "./workspace-path.js";

/**
 * Opens the directory a file will be written in by walking down from the workspace root one component
 * at a time, each opened through the one above it and never through a symbolic link. The planned real
 * path has every link resolved already, so a link met here was put there while the patch was applying
 * (a parent swapped for a link to somewhere outside): the write is refused instead of following it.
 * Everything after that (temp file, rename, unlink) goes through the open directory, so a later swap of
 * a parent cannot redirect it either.
 */
export async function openWorkspaceDirectory(fs: PatchFs, workspace: Workspace, realDir: string, options: { create: boolean; displayPath: string }): Promise<PatchDirectory> {
  const rel = relative(workspace.root, realDir);
  const parts = rel === "" ? [] : rel.split(sep);
  let dir = await openOne(fs, workspace.root, options.displayPath);
  try {
    for (const part of parts) {
      const child = `${dir.path}/${part}`;
      if (options.create) {
        try {
          await fs.mkdir(child);
        } catch (error) {
          throw toPatchIoError(error, "create the directory for", options.displayPath);
        }
      }
      const next = await openOne(fs, child, options.displayPath);
      await dir.close();
      dir = next;
    }
    return dir;
  } catch (error) {
    await dir.close().catch(() => undefined);
    throw error;
  }
}

async function openOne(fs: PatchFs, path: string, displayPath: string): Promise<PatchDirectory> {
  try {
    return await fs.openDirectory(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ELOOP" || code === "ENOTDIR") {
      throw new PatchError(
        "changed_on_disk",
        `A directory on the way to ${displayPath} was replaced by a symbolic link or a file while the patch was being applied; it was not written. Check the workspace and apply the patch again.`,
        { cause: error },
      );
    }
    if (code === "ENOENT") throw new PatchError("file_missing", `A directory on the way to ${displayPath} no longer exists; it was not written.`, { cause: error });
    throw toPatchIoError(error, "open the directory of", displayPath);
  }
}

/** Makes a rename or unlink durable. Best effort: some file systems refuse to fsync a directory. */
export async function syncAndClose(dir: PatchDirectory): Promise<void> {
  await dir.sync().catch(() => undefined);
  await dir.close().catch(() => undefined);
}
