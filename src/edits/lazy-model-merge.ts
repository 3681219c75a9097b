import { SparkError, type FinishReason, type Metrics, type ModelRequest, type StreamEvent, type StreamOptions, type Usage } from "../core/index.js";
import { lazyMergeRequest } from "./lazy-merge-prompt.js";
import { splitLines, unfence } from "./lazy-snippet.js";

/**
 * Asks the merge model for the merged file. Only the shape of a model client is needed here (edits does
 * not depend on models/): any ModelClient fits.
 */
export interface MergeModel {
  readonly displayName: string;
  stream(request: ModelRequest, options?: StreamOptions): AsyncIterable<StreamEvent>;
}

export interface ModelMergeOutcome {
  /** The merged file's lines, fences stripped. */
  lines: string[];
  model: string;
  reason: FinishReason;
  usage?: Usage;
  metrics?: Metrics;
}

export interface ModelMergeOptions {
  signal?: AbortSignal | undefined;
  /** Overrides the token limit worked out from the file's size. */
  maxTokens?: number | undefined;
}

export async function mergeWithModel(model: MergeModel, path: string, oldText: string, snippet: string, options: ModelMergeOptions = {}): Promise<ModelMergeOutcome> {
  const request = lazyMergeRequest(path, oldText, snippet);
  if (options.maxTokens !== undefined) request.maxTokens = options.maxTokens;
  let text = "";
  const outcome: Omit<ModelMergeOutcome, "lines"> = { model: model.displayName, reason: "stop" };
  for await (const event of model.stream(request, options.signal ? { signal: options.signal } : {})) {
    if (event.type === "text-delta") text += event.text;
    else if (event.type === "usage") outcome.usage = event.usage;
    else if (event.type === "metrics") outcome.metrics = event.metrics;
    else if (event.type === "finish") outcome.reason = event.reason;
    else if (event.type === "error") throw new SparkError(event.error.code, `The merge model ${model.displayName} failed: ${event.error.message}`, { status: event.error.status });
  }
  return { ...outcome, lines: stripWrapping(splitLines(text)) };
}

/** Fences or the `<updated-code>` tags some apply models answer in are not part of the file. */
function stripWrapping(lines: string[]): string[] {
  const unfenced = unfence(lines);
  if (unfenced.length >= 2 && /^<(updated-code|code|file)[^>]*>$/.test(unfenced[0]?.trim() ?? "") && /^<\/(updated-code|code|file)>$/.test(unfenced.at(-1)?.trim() ?? "")) return unfenced.slice(1, -1);
  return unfenced;
}
