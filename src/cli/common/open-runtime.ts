import { ModelRuntime } from "../../runtime/index.js";
import { downloadProgressPrinter } from "./download-progress.js";
import type { GlobalOptions } from "./global-options.js";
import { loadWithFlags, printConfigWarnings } from "./load-with-flags.js";

export interface OpenRuntimeOptions {
  /** `--review-model`, where the command has it. */
  reviewModel?: string | undefined;
  /** The directory whose project config applies; the current one when absent. */
  cwd?: string | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The config's warnings are printed first, so they show even when no model can then be opened; an
   * agent command passes false because startAgentMcp reports them.
   */
  printWarnings?: boolean;
  /** False: the local engine neither loads nor saves KV states on disk (a benchmark's cold calls stay cold). */
  kvCache?: false;
}

/** Config (the flags its top layer), then the model runtime: the start of every command that talks to a model. */
export async function openRuntime(options: GlobalOptions, more: OpenRuntimeOptions = {}): Promise<ModelRuntime> {
  const loaded = await loadWithFlags(options, process.env, more.cwd ?? process.cwd());
  if (more.printWarnings ?? true) printConfigWarnings(loaded);
  return new ModelRuntime({
    loaded,
    fastModel: options.model,
    reviewModel: more.reviewModel,
    cwd: more.cwd,
    signal: more.signal,
    onDownloadProgress: downloadProgressPrinter(),
    ...(more.kvCache === false ? { kvCache: false } : {}),
  });
}
