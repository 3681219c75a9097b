import type { Metrics, Usage } from "../core/index.js";
import type { ApplyReport } from "./apply-report.js";
import type { CheckpointStore } from "../store/index.js";
import { applyParsedPatch } from "./apply-patch.js";
import { applyParsedWithCheckpoint, engineOptionsOf, type ApplyWithCheckpointOptions, type CheckpointedApplyReport } from "./checkpoint.js";
import { readLazyEditSource } from "./lazy-edit-source.js";
import { guardLazyMerge } from "./lazy-guard.js";
import { mergeLazyEdit } from "./lazy-merge.js";
import { mergeWithModel, type MergeModel } from "./lazy-model-merge.js";
import { parseLazySnippet, type LazySnippet } from "./lazy-snippet.js";
import { PatchError, type PatchErrorCode } from "./patch-error.js";
import { nodePatchFs } from "./patch-fs.js";
import type { FileOperation, ParsedPatch } from "./patch-types.js";
import { DEFAULT_MAX_FILE_BYTES } from "./workspace-file.js";
import { errorMessage } from "../core/index.js";

/**
 * Applies a lazy edit (a file's new version with `// ... existing code ...` where code is unchanged):
 * merged deterministically when every segment anchors uniquely, else (or when asked) by the merge model
 * with the old file as its prediction; either merge is then checked by the guard (only the regions the
 * snippet touched may change) and written as one whole-file hunk through the patch engine, so the write
 * guard, the atomic write and the checkpoint for `spark undo` are the same as for any patch.
 */

export interface ApplyLazyEditOptions extends Omit<ApplyWithCheckpointOptions, "store" | "locksDir"> {
  /** Where the checkpoint goes; without a store (or in a dry run) the edit is applied without one. */
  store?: CheckpointStore | undefined;
  locksDir?: string | undefined;
  /**
   * The fast model that merges when the deterministic merge cannot (without one such edits are refused);
   * a function opens it only when it is needed.
   */
  mergeModel?: MergeModel | (() => Promise<MergeModel>) | undefined;
  /** Merge with the model even when the deterministic merge would do (`--merge-model`). */
  forceModel?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** The merge model's token limit (default: worked out from the file's size). */
  maxTokens?: number | undefined;
}

export interface LazyMergeInfo {
  /** "none": refused before any merge was accepted. */
  method: "deterministic" | "model" | "none";
  /** Why the model merged: the deterministic merge's refusal, or "requested". */
  modelReason?: string;
  model?: string;
  usage?: Usage;
  metrics?: Metrics;
}

export type LazyEditReport = CheckpointedApplyReport & { merge: LazyMergeInfo };

type Merged = { ok: true; lines: string[]; merge: LazyMergeInfo } | { ok: false; code: PatchErrorCode; message: string; merge: LazyMergeInfo };

export async function applyLazyEdit(path: string, snippetText: string, options: ApplyLazyEditOptions): Promise<LazyEditReport> {
  const snippet = parseLazySnippet(snippetText);
  if (snippet.segments.length === 0) return refused(options, path, "parse", "The snippet is empty: give the new code, with `// ... existing code ...` lines where code stays as it is.", { method: "none" });
  const fs = options.fs ?? nodePatchFs;
  let source;
  try {
    source = await readLazyEditSource(path, { ...options, fs, maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES });
  } catch (error) {
    if (error instanceof PatchError) return refused(options, path, error.patchCode, error.message, { method: "none" });
    throw error;
  }
  if (!source.exists) {
    if (snippet.elided) return refused(options, path, "file_missing", `${path} does not exist, so there is no existing code for the snippet's '... existing code ...' lines; write the whole file to create it.`, { method: "none" });
    return write(createFile(path, snippet), snippetText, options, { method: "deterministic" });
  }
  const merged = await merge(path, source.lines, snippet, snippetText, options);
  if (!merged.ok) return refused(options, path, merged.code, merged.message, merged.merge);
  const guard = guardLazyMerge(source.lines, merged.lines, snippet);
  if (!guard.ok) return refused(options, path, "outside_snippet", guard.message, merged.merge);
  const operation: FileOperation = {
    kind: "update",
    path,
    hunks: [{ contextHeaders: [], oldLines: source.lines, newLines: merged.lines, context: guard.kept, endOfFile: true, sourceLine: 1 }],
    createIfMissing: false,
    sourceLine: 1,
  };
  return write({ format: "lazy", operations: [operation] }, snippetText, options, merged.merge);
}

async function merge(path: string, oldLines: string[], snippet: LazySnippet, snippetText: string, options: ApplyLazyEditOptions): Promise<Merged> {
  const deterministic = options.forceModel === true && options.mergeModel !== undefined ? undefined : mergeLazyEdit(oldLines, snippet);
  if (deterministic?.ok) return { ok: true, lines: deterministic.lines, merge: { method: "deterministic" } };
  const modelReason = deterministic === undefined ? "requested" : deterministic.message;
  if (options.mergeModel === undefined) {
    return { ok: false, code: "ambiguous", message: `The lazy edit of ${path} was refused: ${modelReason}. No merge model is configured to merge it instead.`, merge: { method: "none" } };
  }
  let model: MergeModel;
  try {
    model = typeof options.mergeModel === "function" ? await options.mergeModel() : options.mergeModel;
  } catch (error) {
    const detail = errorMessage(error);
    // "requested": no deterministic merge was tried, so the only reason is the model that was asked for.
    const why = modelReason === "requested" ? "a model merge was asked for (--merge-model)" : modelReason;
    return { ok: false, code: "ambiguous", message: `The lazy edit of ${path} was refused: ${why}, and the merge model could not be opened: ${detail}`, merge: { method: "none" } };
  }
  const outcome = await mergeWithModel(model, path, oldLines.join("\n"), snippetText, { signal: options.signal, maxTokens: options.maxTokens });
  const info: LazyMergeInfo = { method: "model", modelReason, model: outcome.model, ...(outcome.usage ? { usage: outcome.usage } : {}), ...(outcome.metrics ? { metrics: outcome.metrics } : {}) };
  // A merge cut off at the token limit ("length") is not refused here: a cut file cannot pass the guard
  // unless every line the snippet kept and every line after it is there, which is then the whole merge.
  if (outcome.reason === "abort" || outcome.reason === "error") {
    return { ok: false, code: "io", message: `The merge model ${outcome.model} did not finish the merged file (${outcome.reason}); nothing was written.`, merge: info };
  }
  return { ok: true, lines: outcome.lines, merge: info };
}

function createFile(path: string, snippet: LazySnippet): ParsedPatch {
  const lines = snippet.segments.flatMap((segment) => segment.lines);
  return { format: "lazy", operations: [{ kind: "add", path, contents: lines.map((line) => `${line}\n`).join(""), sourceLine: 1 }] };
}

async function write(parsed: ParsedPatch, snippetText: string, options: ApplyLazyEditOptions, merge: LazyMergeInfo): Promise<LazyEditReport> {
  const { store, locksDir } = options;
  const report = store === undefined || locksDir === undefined || options.dryRun === true ? await applyParsedPatch(parsed, engineOptionsOf(options)) : await applyParsedWithCheckpoint(parsed, snippetText, { ...options, store, locksDir });
  return { ...report, merge };
}

function refused(options: ApplyLazyEditOptions, path: string, code: PatchErrorCode, message: string, merge: LazyMergeInfo): LazyEditReport {
  const report: ApplyReport = {
    status: "refused",
    dryRun: options.dryRun ?? false,
    operations: [{ index: 0, kind: "update", path, sourceLine: 1, status: "failed", hunks: [], added: 0, removed: 0, error: { code, message } }],
    files: [],
  };
  return { ...report, merge };
}
