import type { CheckpointFile, CheckpointStore } from "../store/index.js";
import { applyParsedPatch, applyPatch } from "./apply-patch.js";
import type { ApplyReport, OperationReport } from "./apply-report.js";
import { CheckpointError } from "./checkpoint-error.js";
import { type FileState, countLineChanges, missingParents, readFileState, stateBytes, workspaceRelative } from "./checkpoint-files.js";
import { parsePatch } from "./parse-patch.js";
import { PatchError } from "./patch-error.js";
import { type PatchFs, nodePatchFs } from "./patch-fs.js";
import type { ParsedPatch } from "./patch-types.js";
import { type Workspace, type WorkspacePath, openWorkspace, resolveWorkspacePath } from "./workspace-path.js";

/**
 * Every applied patch becomes a checkpoint: the bytes of each file it changed, before and after, so
 * `spark undo` can put them back exactly (line endings, BOM, mode, files created or deleted) and
 * `spark diff` can show what a session changed.
 */

export interface ApplyWithCheckpointOptions {
  /** The directory the patch applies in; checkpoints are filed under its real path. */
  workspace: string;
  store: CheckpointStore;
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

interface Before {
  path: WorkspacePath;
  state: FileState;
}

export async function applyWithCheckpoint(patchText: string, options: ApplyWithCheckpointOptions): Promise<CheckpointedApplyReport> {
  const fs = options.fs ?? nodePatchFs;
  const dryRun = options.dryRun ?? false;
  const engineOptions = { workspace: options.workspace, dryRun, fs, ...(options.maxFileBytes === undefined ? {} : { maxFileBytes: options.maxFileBytes }) };
  let parsed: ParsedPatch;
  try {
    parsed = parsePatch(patchText);
  } catch (error) {
    // The engine turns a parse error into a "refused" report; nothing was touched, nothing to record.
    if (error instanceof PatchError) return applyPatch(patchText, engineOptions);
    throw error;
  }
  if (dryRun) return applyParsedPatch(parsed, engineOptions);

  const workspace = await openWorkspace(options.workspace, fs);
  const befores = await snapshotTouchedPaths(parsed, workspace, fs);
  const missingDirs = new Set<string>();
  for (const before of befores.values()) {
    if (before.state.kind === "missing") for (const dir of await missingParents(fs, workspace, before.path)) missingDirs.add(dir);
  }

  const report: CheckpointedApplyReport = await applyParsedPatch(parsed, engineOptions);
  if (report.files.length === 0) return report;

  const files: CheckpointFile[] = [];
  for (const changed of report.files) {
    const before = befores.get(changed.path);
    if (before === undefined) {
      throw new CheckpointError("record_failed", `The patch changed ${changed.path}, which Spark did not snapshot beforehand; \`spark undo\` cannot restore this patch.`, {
        files: [changed.path],
      });
    }
    const beforeBytes = stateBytes(before.state);
    const afterBytes = changed.change === "deleted" ? null : stateBytes(await readFileState(fs, before.path));
    files.push({
      path: changed.path,
      before: beforeBytes,
      after: afterBytes,
      mode: before.state.kind === "file" ? before.state.mode : null,
      ...countLineChanges(beforeBytes, afterBytes),
    });
  }
  const createdDirs: string[] = [];
  for (const dir of [...missingDirs].sort((a, b) => b.length - a.length)) {
    if ((await fs.stat(dir).catch(() => undefined))?.isDirectory()) createdDirs.push(workspaceRelative(workspace, dir));
  }

  try {
    report.checkpointId = options.store.record({
      workspace: workspace.root,
      sessionId: options.sessionId,
      description: options.description ?? describeOperations(report.operations),
      patch: patchText,
      files,
      createdDirs,
    });
  } catch (error) {
    const names = files.map((file) => file.path);
    const detail = error instanceof Error ? error.message : String(error);
    throw new CheckpointError(
      "record_failed",
      `The patch was applied (${names.join(", ")}) but its checkpoint could not be saved, so \`spark undo\` cannot restore it: ${detail}`,
      { files: names, cause: error },
    );
  }
  return report;
}

/**
 * The state, before anything is written, of every path the patch names (move destinations included),
 * keyed by the path as the engine reports it. Paths the engine will refuse (outside the workspace) are
 * left out: it will not write them either.
 */
async function snapshotTouchedPaths(parsed: ParsedPatch, workspace: Workspace, fs: PatchFs): Promise<Map<string, Before>> {
  const befores = new Map<string, Before>();
  for (const op of parsed.operations) {
    for (const patchPath of op.kind === "update" && op.moveTo !== undefined ? [op.path, op.moveTo] : [op.path]) {
      let path: WorkspacePath;
      try {
        path = await resolveWorkspacePath(workspace, patchPath, fs);
      } catch {
        continue;
      }
      if (!befores.has(path.display)) befores.set(path.display, { path, state: await readFileState(fs, path) });
    }
  }
  return befores;
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
