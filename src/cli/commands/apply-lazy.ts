import { UsageError } from "../../core/index.js";
import { applyLazyEdit, type LazyEditReport, type MergeModel } from "../../edits/index.js";
import type { ModelRuntime } from "../../runtime/index.js";
import type { GlobalOptions } from "../common/global-options.js";
import { openRuntime } from "../common/open-runtime.js";
import { withStores } from "../common/with-stores.js";

/**
 * `spark apply --lazy FILE SNIPPET`: merges a lazy edit into FILE. The deterministic merge needs no
 * model; when it cannot place the snippet, or with `--merge-model NAME`, the merge model (NAME, else the
 * configured model) is opened then, and only then.
 */
export interface ApplyLazyOptions extends GlobalOptions {
  mergeModel?: string;
}

export interface LazyRun {
  workspace: string;
  check: boolean;
  guard: { protectedGlobs: readonly string[]; allowProtected: boolean };
  locksDir: string;
}

export async function applyLazyFile(file: string | undefined, snippet: string, run: LazyRun, options: ApplyLazyOptions): Promise<LazyEditReport> {
  if (file === undefined) throw new UsageError("spark apply --lazy needs the file to edit: spark apply --lazy FILE SNIPPET (SNIPPET '-' or left out reads stdin).");
  let runtime: Promise<ModelRuntime> | undefined;
  const mergeModel = async (): Promise<MergeModel> => {
    runtime ??= openRuntime(options.mergeModel === undefined ? options : { ...options, model: options.mergeModel });
    return (await (await runtime).openFast()).client;
  };
  const common = { workspace: run.workspace, ...run.guard, mergeModel, forceModel: options.mergeModel !== undefined };
  try {
    // A check writes nothing anywhere: not the workspace, not the checkpoint database.
    if (run.check) return await applyLazyEdit(file, snippet, { ...common, dryRun: true });
    return await withStores((stores) => applyLazyEdit(file, snippet, { ...common, store: stores.checkpoints, locksDir: run.locksDir }));
  } finally {
    // A runtime that failed to open (the error already went to the merge) has nothing to dispose.
    await (await runtime?.catch(() => undefined))?.dispose();
  }
}
