export { applyPatch, applyParsedPatch, type ApplyPatchOptions } from "./apply-patch.js";
export { parsePatch } from "./parse-patch.js";
export { PatchError, type PatchErrorCode } from "./patch-error.js";
export type { AddFileOperation, DeleteFileOperation, FileOperation, Hunk, ParsedPatch, PatchFormat, UpdateFileOperation } from "./patch-types.js";
export {
  formatApplyReport,
  type ApplyReport,
  type ApplyStatus,
  type ChangedFile,
  type OperationReport,
  type ReportedError,
} from "./apply-report.js";
export type { HunkError, HunkOutcome, MatchStrategy } from "./apply-hunks.js";
export type { ClosestRegion } from "./closest-region.js";
export { nodePatchFs, type PatchDirectory, type PatchFileHandle, type PatchFs } from "./patch-fs.js";
export { DEFAULT_MAX_FILE_BYTES } from "./workspace-file.js";
export { isInside } from "../core/index.js";
export { openWorkspace, resolveWorkspacePath, type Workspace, type WorkspacePath } from "./workspace-path.js";
export { applyWithCheckpoint, describeOperations, type ApplyWithCheckpointOptions, type CheckpointedApplyReport } from "./checkpoint.js";
export { undoCheckpoint, type UndoAction, type UndoneFile, type UndoOptions, type UndoResult } from "./checkpoint-undo.js";
export { sessionDiff, type DiffedFile, type SessionDiff, type SessionDiffOptions } from "./checkpoint-diff.js";
export { CheckpointError, type CheckpointErrorReason } from "./checkpoint-error.js";
export { applyLazyEdit, type ApplyLazyEditOptions, type LazyEditReport, type LazyMergeInfo } from "./apply-lazy-edit.js";
export { formatLazyEditReport } from "./format-lazy-edit-report.js";
export type { MergeModel } from "./lazy-model-merge.js";
export { applyParsedWithCheckpoint } from "./checkpoint.js";
export { mergeLazyEdit } from "./lazy-merge.js";
export { guardLazyMerge } from "./lazy-guard.js";
export { parseLazySnippet } from "./lazy-snippet.js";
export { lazyMergeRequest } from "./lazy-merge-prompt.js";
export { isAlive as isProcessAlive, withWorkspaceLock } from "./workspace-lock.js";
