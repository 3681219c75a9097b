import type { CheckpointFile, CheckpointStore } from "../store/index.js";
import { type ApplyPatchOptions, applyParsedPatch, applyPatch, commitPlan, planPatch } from "./apply-patch.js";
import type { ApplyReport, OperationReport } from "./apply-report.js";
import { CheckpointError } from "./checkpoint-error.js";
import { countLineChanges, missingParents, readFileState, stateBytes, workspaceRelative } from "./checkpoint-files.js";
import { parsePatch } from "./parse-patch.js";
import { PatchError } from "./patch-error.js";
import { type PatchFs, nodePatchFs } from "./patch-fs.js";
import type { ParsedPatch } from "./patch-types.js";
import { type Staged, isUnchanged } from "./staged-changes.js";
import { withWorkspaceLock } from "./workspace-lock.js";
import { type Workspace, openWorkspace } from "./workspace-path.js";
import type { WriteGuardOptions } from "./write-guard.js";
import { errorMessage } from "../core/index.js";

/**
 * Every applied patch becomes a checkpoint: the bytes of each file it changed, before and after, so
 * `spark undo` can put them back exactly (line endings, BOM, mode, files created or deleted) and
 * `spark diff` can show what a session changed.
 *
 * Order: lock the workspace, plan, commit the checkpoint to SQLite, and only then replace files; files
 * that could not be written are dropped from the checkpoint afterwards. A process killed at any moment
 * leaves each file either untouched or recorded, so `spark undo` can restore every state.
 */

export interface ApplyWithCheckpointOptions extends WriteGuardOptions {
  /** The directory the patch applies in; checkpoints are filed under its real path. */
  workspace: string;
  store: CheckpointStore;
  /** Where the per-workspace writer lock lives: Spark's home + "/locks", never the repository. */
  locksDir: string;
  /** How long to wait for another writer in the same workspace (default 30 s). */
  lockWaitMs?: number | undefined;
  /** The agent session that produced the patch, if any. */
  sessionId?: string | undefined;
  /** Check only: nothing is written and no checkpoint is recorded. */
  dryRun?: boolean | undefined;
  /** Shown in `spark undo --list`; derived from the operations when absent. */
  description?: string | undefined;
  fs?: PatchFs | undefined;
  maxFileBytes?: number | undefined;
}

export interface CheckpointedApplyReport extends ApplyReport {
  /** The checkpoint recorded for this patch; absent when nothing changed (refused, dry run, no-op). */
  checkpointId?: number;
}

/** What the engine itself takes of the options. */
export function engineOptionsOf(options: Omit<ApplyWithCheckpointOptions, "store" | "locksDir">): ApplyPatchOptions & { dryRun: boolean; fs: PatchFs } {
  return {
    workspace: options.workspace,
    dryRun: options.dryRun ?? false,
    fs: options.fs ?? nodePatchFs,
    protectedGlobs: options.protectedGlobs,
    allowProtected: options.allowProtected,
    ...(options.maxFileBytes === undefined ? {} : { maxFileBytes: options.maxFileBytes }),
  };
}

export async function applyWithCheckpoint(patchText: string, options: ApplyWithCheckpointOptions): Promise<CheckpointedApplyReport> {
  let parsed: ParsedPatch;
  try {
    parsed = parsePatch(patchText);
  } catch (error) {
    // The engine turns a parse error into a "refused" report; nothing was touched, nothing to record.
    if (error instanceof PatchError) return applyPatch(patchText, engineOptionsOf(options));
    throw error;
  }
  return applyParsedWithCheckpoint(parsed, patchText, options);
}

/** The same for a patch already parsed (or built, as a lazy edit's merge is); `patchText` is what the checkpoint records. */
export async function applyParsedWithCheckpoint(parsed: ParsedPatch, patchText: string, options: ApplyWithCheckpointOptions): Promise<CheckpointedApplyReport> {
  const engineOptions = engineOptionsOf(options);
  const fs = engineOptions.fs;
  if (engineOptions.dryRun) return applyParsedPatch(parsed, engineOptions);

  const workspace = await openWorkspace(options.workspace, fs);
  return withWorkspaceLock(workspace.root, { locksDir: options.locksDir, waitMs: options.lockWaitMs }, async () => {
    const plan = await planPatch(parsed, engineOptions);
    const changes = plan.staged.filter((entry) => !isUnchanged(entry));
    if (changes.length === 0) return commitPlan(plan);
    const files: CheckpointFile[] = [];
    for (const entry of changes) files.push(await checkpointFileOf(entry, fs));
    const checkpointId = recordCheckpoint(options, {
      workspace: workspace.root,
      sessionId: options.sessionId,
      description: options.description ?? describeOperations(plan.operations),
      patch: patchText,
      files,
      createdDirs: await directoriesToCreate(changes, workspace, fs),
    });
    const report: CheckpointedApplyReport = await commitPlan(plan);
    // The checkpoint says what really changed: writes that were refused are not there to undo.
    options.store.keepOnly(checkpointId, report.files.map((file) => file.path));
    if (report.files.length > 0) report.checkpointId = checkpointId;
    return report;
  });
}

/** A staged change as the checkpoint keeps it: the bytes before (read now, under the lock) and after. */
async function checkpointFileOf(entry: Staged, fs: PatchFs): Promise<CheckpointFile> {
  let before: Uint8Array | null = null;
  let mode: number | null = null;
  if (entry.kind === "file" && entry.original !== undefined) {
    before = entry.original;
    mode = entry.originalMode ?? null;
  } else if (entry.existedOnDisk) {
    const state = await readFileState(fs, entry.path);
    before = stateBytes(state);
    mode = state.kind === "file" ? state.mode : null;
  }
  const after = entry.kind === "file" ? entry.data : null;
  return { path: entry.path.display, before, after, mode, ...countLineChanges(before, after) };
}

/** Directories new files need that do not exist yet, deepest first: undo removes them when empty. */
async function directoriesToCreate(changes: readonly Staged[], workspace: Workspace, fs: PatchFs): Promise<string[]> {
  const dirs = new Set<string>();
  for (const entry of changes) {
    if (entry.kind !== "file" || entry.existedOnDisk) continue;
    for (const dir of await missingParents(fs, workspace, entry.path)) dirs.add(dir);
  }
  return [...dirs].sort((a, b) => b.length - a.length).map((dir) => workspaceRelative(workspace, dir));
}

function recordCheckpoint(options: ApplyWithCheckpointOptions, checkpoint: Parameters<CheckpointStore["record"]>[0]): number {
  try {
    return options.store.record(checkpoint);
  } catch (error) {
    const names = checkpoint.files.map((file) => file.path);
    const detail = errorMessage(error);
    throw new CheckpointError(
      "record_failed",
      `The checkpoint for this patch could not be saved, so nothing was written (${names.join(", ")} unchanged): ${detail}. Fix the cause (disk full? Spark's database locked?) and apply again.`,
      { files: names, cause: error },
    );
  }
}

const MAX_DESCRIBED = 3;

/** "update a.ts, add b.ts, move c.ts -> d.ts and 2 more" from the operations that took effect. */
export function describeOperations(operations: readonly OperationReport[]): string {
  const done = operations.filter((op) => op.status !== "failed");
  const parts = done.slice(0, MAX_DESCRIBED).map((op) => {
    if (op.moveTo !== undefined) return `move ${op.path} -> ${op.moveTo}`;
    return `${op.kind} ${op.path}`;
  });
  const more = done.length - parts.length;
  return more > 0 ? `${parts.join(", ")} and ${more} more` : parts.join(", ");
}
