import { rmdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Checkpoint, CheckpointFile, CheckpointStore } from "../store/index.js";
import { atomicWriteFile, removeFile } from "./atomic-write.js";
import { CheckpointError } from "./checkpoint-error.js";
import { type FileState, readFileState, stateEquals } from "./checkpoint-files.js";
import { ABSENT, type DiskExpectation } from "./disk-identity.js";
import { type PatchFs, nodePatchFs } from "./patch-fs.js";
import { openWorkspaceDirectory, syncAndClose } from "./workspace-directory.js";
import { withWorkspaceLock } from "./workspace-lock.js";
import { type Workspace, type WorkspacePath, openWorkspace, resolveWorkspacePath } from "./workspace-path.js";
import { type WriteGuardOptions, loadWriteGuard } from "./write-guard.js";
import { errorMessage } from "../core/index.js";

export interface UndoOptions extends WriteGuardOptions {
  workspace: string;
  store: CheckpointStore;
  /** Where the per-workspace writer lock lives (as for applyWithCheckpoint). */
  locksDir: string;
  /** The checkpoint to undo; the workspace's latest one not yet undone by default. */
  id?: number | undefined;
  /** Restore even the files changed since the checkpoint, losing those changes. */
  force?: boolean | undefined;
  fs?: PatchFs | undefined;
}

export type UndoAction = "restored" | "removed" | "recreated" | "unchanged";

export interface UndoneFile {
  path: string;
  /** restored: written back; removed: the patch had created it; recreated: the patch had deleted it; unchanged: already as before. */
  action: UndoAction;
  /** The file had been changed since the checkpoint and was overwritten (only with force). */
  overwritten: boolean;
}

export interface UndoResult {
  checkpoint: Pick<Checkpoint, "id" | "description" | "createdAt" | "sessionId">;
  files: UndoneFile[];
}

interface Plan {
  file: CheckpointFile;
  path: WorkspacePath;
  current: FileState;
  /** Why the current file is not what the checkpoint left; undefined when it is. */
  conflict: string | undefined;
}

/**
 * Puts the files of a checkpoint back as they were before its patch: each file atomically (temp file,
 * fsync, rename) with its old mode, files the patch created removed, files it deleted recreated. Refuses,
 * touching nothing, when any of the files has been changed since the checkpoint, unless `force`. The
 * writes are the patch engine's: under the workspace lock, never to a protected path, never through a
 * symbolic link, and never over a file that changes while the undo runs.
 */
export async function undoCheckpoint(options: UndoOptions): Promise<UndoResult> {
  const fs = options.fs ?? nodePatchFs;
  const workspace = await openWorkspace(options.workspace, fs);
  return withWorkspaceLock(workspace.root, { locksDir: options.locksDir }, () => undoLocked(options, workspace, fs));
}

async function undoLocked(options: UndoOptions, workspace: Workspace, fs: PatchFs): Promise<UndoResult> {
  const checkpoint = findCheckpoint(options, workspace);
  const guard = await loadWriteGuard(workspace, options);

  const plans: Plan[] = [];
  for (const file of checkpoint.files) {
    const path = await resolveWorkspacePath(workspace, file.path, fs);
    await guard.assertWritable(path);
    const current = await readFileState(fs, path);
    plans.push({ file, path, current, conflict: conflictOf(file, current) });
  }
  const conflicts = plans.filter((plan) => plan.conflict !== undefined && !stateEquals(plan.current, plan.file.before));
  if (conflicts.length > 0 && options.force !== true) {
    const list = conflicts.map((plan) => `  ${plan.file.path}: ${plan.conflict}`).join("\n");
    throw new CheckpointError(
      "conflict",
      `Checkpoint ${checkpoint.id} (${checkpoint.description}) was not undone: ${conflicts.length === 1 ? "a file has" : "files have"} changed since it was applied, and undoing would lose those changes:\n${list}\nNothing was restored. Check the changes, then undo with force (\`spark undo --force\`) to restore the files as they were before the checkpoint anyway.`,
      { files: conflicts.map((plan) => plan.file.path) },
    );
  }

  const files: UndoneFile[] = [];
  const failures: string[] = [];
  // Writes before deletions, as the engine does: a moved file is back in place before its copy goes.
  const ordered = [...plans.filter((plan) => plan.file.before !== null), ...plans.filter((plan) => plan.file.before === null)];
  for (const plan of ordered) {
    const overwritten = plan.conflict !== undefined;
    if (stateEquals(plan.current, plan.file.before)) {
      files.push({ path: plan.file.path, action: "unchanged", overwritten: false });
      continue;
    }
    try {
      await restore(plan, fs, workspace);
      files.push({ path: plan.file.path, action: actionOf(plan.file), overwritten });
    } catch (error) {
      failures.push(`  ${plan.file.path}: ${errorMessage(error)}`);
    }
  }
  if (failures.length > 0) {
    const done = files.filter((file) => file.action !== "unchanged").map((file) => file.path);
    throw new CheckpointError(
      "restore_failed",
      `Checkpoint ${checkpoint.id} was only partly undone. Could not restore:\n${failures.join("\n")}\n${done.length > 0 ? `Restored: ${done.join(", ")}. ` : ""}Fix the cause and run the undo again with force.`,
      { files: checkpoint.files.map((file) => file.path) },
    );
  }
  await removeCreatedDirectories(workspace, checkpoint.createdDirs, fs);
  options.store.markUndone(checkpoint.id);
  return { checkpoint: { id: checkpoint.id, description: checkpoint.description, createdAt: checkpoint.createdAt, sessionId: checkpoint.sessionId }, files };
}

function findCheckpoint(options: UndoOptions, workspace: Workspace): Checkpoint {
  if (options.id === undefined) {
    const latest = options.store.latest(workspace.root);
    if (latest === undefined) {
      throw new CheckpointError("nothing_to_undo", `Nothing to undo in ${workspace.root}: every patch applied here has been undone, or none was applied (\`spark undo --list\` shows the history).`);
    }
    return latest;
  }
  const checkpoint = options.store.get(options.id);
  if (checkpoint === undefined) throw new CheckpointError("not_found", `There is no checkpoint ${options.id} (\`spark undo --list\` shows this workspace's checkpoints).`);
  if (checkpoint.workspace !== workspace.root) {
    throw new CheckpointError("other_workspace", `Checkpoint ${checkpoint.id} belongs to the workspace ${checkpoint.workspace}, not ${workspace.root}; undo it from there.`);
  }
  if (checkpoint.undoneAt !== null) {
    throw new CheckpointError("already_undone", `Checkpoint ${checkpoint.id} (${checkpoint.description}) was already undone at ${checkpoint.undoneAt}.`);
  }
  return checkpoint;
}

function conflictOf(file: CheckpointFile, current: FileState): string | undefined {
  if (stateEquals(current, file.after)) return undefined;
  if (current.kind === "other") return "is no longer a regular file";
  if (file.after === null) return "was created again since the patch deleted it";
  if (current.kind === "missing") return "was deleted since";
  return "was modified since";
}

function actionOf(file: CheckpointFile): UndoAction {
  if (file.before === null) return "removed";
  return file.after === null ? "recreated" : "restored";
}

async function restore(plan: Plan, fs: PatchFs, workspace: Workspace): Promise<void> {
  const { file, path, current } = plan;
  const realDir = dirname(path.real);
  const dir = await openWorkspaceDirectory(fs, workspace, realDir, { create: file.before !== null, displayPath: path.display });
  const options = { fs, displayPath: path.display, expected: expectationOfState(current), realDir };
  try {
    if (file.before === null) await removeFile(dir, basename(path.real), options);
    else await atomicWriteFile(dir, basename(path.real), file.before, { ...options, mode: file.mode ?? undefined });
  } finally {
    await syncAndClose(dir);
  }
}

/** What the undo saw when it checked for conflicts; something else there by the time it writes is refused. */
function expectationOfState(state: FileState): DiskExpectation {
  if (state.kind === "file") return state.expected;
  // Not a regular file: no expectation can match, so the write is refused rather than replace it.
  return state.kind === "missing" ? ABSENT : { kind: "file", dev: -1, ino: -1, size: -1, mtimeMs: -1, ctimeMs: -1 };
}

/** Directories the patch created, deepest first, removed when empty again (best effort). */
async function removeCreatedDirectories(workspace: Workspace, dirs: readonly string[], fs: PatchFs): Promise<void> {
  for (const dir of dirs) {
    try {
      const path = await resolveWorkspacePath(workspace, dir, fs);
      if (path.real !== join(workspace.root, path.display)) continue; // reached through a symlink: leave it
      // Through its checked parent, so a parent swapped for a link meanwhile cannot point the rmdir elsewhere.
      const parent = await openWorkspaceDirectory(fs, workspace, dirname(path.real), { create: false, displayPath: path.display });
      try {
        await rmdir(`${parent.path}/${basename(path.real)}`);
      } finally {
        await parent.close();
      }
    } catch {
      // Not empty, already gone, or not ours to remove: leaving a directory behind is harmless.
    }
  }
}
