import type { ModelRequest } from "../../core/index.js";
import type { ModelClient } from "../../models/index.js";
import { estimateRequestTokens } from "./estimate-tokens.js";

/** How the agent keeps a conversation inside the model's context window. */
export interface ContextPolicy {
  /** The model's context window in tokens (prompt and answer). */
  windowTokens: number;
  /** Tokens kept free for the answer; the prompt may use the rest (the budget). */
  reserveTokens: number;
  /** Share of the budget (0 to 1) past which older turns are compacted before the next call. */
  compactAt: number;
  /** A tool's output is cut to its head and tail past these (and past a quarter of the budget). */
  toolOutputMaxBytes: number;
  toolOutputMaxLines: number;
  /** The model that summarises older turns; the agent's own model when absent. */
  summarizer?: () => Promise<ModelClient>;
  /**
   * The summariser's window as config and the known-model table tell (a loaded GGUF reports its own through
   * ModelClient.contextWindow); undefined when unknown, then the agent's window is assumed.
   */
  summarizerWindowTokens?: () => number | undefined;
}

export const contextDefaults = { compactAt: 0.8, toolOutputMaxBytes: 16 * 1024, toolOutputMaxLines: 400, maxReserveTokens: 4096 } as const;

/** Prompt tokens a request may use. */
export function promptBudget(policy: ContextPolicy): number {
  return Math.max(1, policy.windowTokens - policy.reserveTokens);
}

/** The answer's reserve when none is configured: the call's max tokens, else a quarter of the window up to 4,096. */
export function defaultReserve(windowTokens: number, maxTokens: number | undefined): number {
  return Math.min(maxTokens ?? contextDefaults.maxReserveTokens, Math.floor(windowTokens / 4));
}

/** Exact with the model's own tokenizer where the client has one (local models), else an estimate. */
export async function countRequestTokens(client: ModelClient, request: ModelRequest): Promise<number> {
  return client.countPromptTokens ? client.countPromptTokens(request) : estimateRequestTokens(request);
}

/** Bytes per token assumed when sizing tool output against the budget (low, so the cap errs small). */
const bytesPerToken = 3;

/** The cap on one tool output: the configured limits, and never more than a quarter of the prompt budget. */
export function toolOutputLimits(policy: ContextPolicy | undefined): { maxBytes: number; maxLines: number } {
  if (!policy) return { maxBytes: contextDefaults.toolOutputMaxBytes, maxLines: contextDefaults.toolOutputMaxLines };
  const quarter = Math.floor((promptBudget(policy) / 4) * bytesPerToken);
  return { maxBytes: Math.max(256, Math.min(policy.toolOutputMaxBytes, quarter)), maxLines: policy.toolOutputMaxLines };
}
