import { contextDefaults, defaultReserve, type ContextPolicy } from "../agent/index.js";
import { declaredContextWindow, modelContextWindow, type ModelClient } from "../models/index.js";
import type { ModelRuntime, OpenedModel } from "./model-runtime.js";

/** The compact role, unless that is the model itself (it then summarises its own turns). */
function compactModelName(runtime: ModelRuntime, model: Pick<OpenedModel, "resolved">): string | undefined {
  const name = runtime.roleName("compact");
  return name === model.resolved.name ? undefined : name;
}

/** The summariser's window as config and the known models tell, without opening it; undefined when unknown. */
function declaredWindowOf(runtime: ModelRuntime, name: string): number | undefined {
  try {
    const window = declaredContextWindow(runtime.resolve(name));
    return window?.source === "assumed" ? undefined : window?.tokens;
  } catch {
    return undefined;
  }
}

/** The agent's context policy for this model: its window, the answer's reserve, `[context]` settings, the summariser (opened when first needed). */
export async function agentContextPolicy(runtime: ModelRuntime, model: Pick<OpenedModel, "client" | "resolved">): Promise<ContextPolicy> {
  const window = await modelContextWindow(model.client, model.resolved);
  const context = runtime.loaded.config.context ?? {};
  const compactName = compactModelName(runtime, model);
  let summarizer: Promise<ModelClient> | undefined;
  return {
    windowTokens: window.tokens,
    reserveTokens: context.reserve_tokens ?? defaultReserve(window.tokens, model.resolved.settings.maxTokens),
    compactAt: context.compact_at ?? contextDefaults.compactAt,
    toolOutputMaxBytes: context.tool_output_max_bytes ?? contextDefaults.toolOutputMaxBytes,
    toolOutputMaxLines: context.tool_output_max_lines ?? contextDefaults.toolOutputMaxLines,
    ...(compactName
      ? { summarizer: () => (summarizer ??= runtime.open(compactName).then((opened) => opened.client)), summarizerWindowTokens: () => declaredWindowOf(runtime, compactName) }
      : {}),
  };
}
