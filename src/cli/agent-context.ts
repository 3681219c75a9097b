import { contextDefaults, defaultReserve, type ContextPolicy } from "../agent/index.js";
import type { LoadedConfig } from "../config/index.js";
import { declaredContextWindow, modelContextWindow, resolveModel, type ModelClient, type ResolvedModel } from "../models/index.js";

/** The model the agent runs on, and how to open another one (for compaction). */
export interface AgentModel {
  client: ModelClient;
  resolved: ResolvedModel;
  loaded: LoadedConfig;
  openAnother(name: string): Promise<ModelClient>;
}

/** `context.compact_model`, else the `review` alias where configured (the strong model summarises), else none. */
function compactModelName(model: AgentModel): string | undefined {
  const { context, aliases = {}, models = {} } = model.loaded.config;
  if (context?.compact_model) return context.compact_model;
  const reviewConfigured = "review" in aliases || "review" in models;
  return reviewConfigured && model.resolved.name !== "review" ? "review" : undefined;
}

/** The summariser's window as config and the known models tell, without opening it; undefined when unknown. */
function declaredWindowOf(name: string, loaded: LoadedConfig): number | undefined {
  try {
    const window = declaredContextWindow(resolveModel(name, { loaded, env: process.env, cwd: process.cwd() }));
    return window?.source === "assumed" ? undefined : window?.tokens;
  } catch {
    return undefined;
  }
}

/** The agent's context policy for this model: its window, the answer's reserve, `[context]` settings. */
export async function agentContextPolicy(model: AgentModel): Promise<ContextPolicy> {
  const window = await modelContextWindow(model.client, model.resolved);
  const context = model.loaded.config.context ?? {};
  const compactName = compactModelName(model);
  let summarizer: Promise<ModelClient> | undefined;
  return {
    windowTokens: window.tokens,
    reserveTokens: context.reserve_tokens ?? defaultReserve(window.tokens, model.resolved.settings.maxTokens),
    compactAt: context.compact_at ?? contextDefaults.compactAt,
    toolOutputMaxBytes: context.tool_output_max_bytes ?? contextDefaults.toolOutputMaxBytes,
    toolOutputMaxLines: context.tool_output_max_lines ?? contextDefaults.toolOutputMaxLines,
    ...(compactName ? { summarizer: () => (summarizer ??= model.openAnother(compactName)), summarizerWindowTokens: () => declaredWindowOf(compactName, model.loaded) } : {}),
  };
}
