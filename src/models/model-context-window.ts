import { fallbackContextWindow, knownContextWindow } from "./context-windows.js";
import type { ModelClient } from "./model-client.js";
import type { ModelTarget, ResolvedModel } from "./model-target.js";

export interface ContextWindow {
  tokens: number;
  /** Where the number came from, for `spark models` and error messages. */
  source: "model" | "config" | "preset" | "assumed";
}

function remoteModelName(target: ModelTarget): string | undefined {
  return target.kind === "remote" ? target.model : undefined;
}

/**
 * The window as far as config and the table of known models tell, without loading anything: undefined
 * for a local model without `context_size` (its GGUF says, once loaded).
 */
export function declaredContextWindow(resolved: ResolvedModel): ContextWindow | undefined {
  if (resolved.settings.contextSize !== undefined) return { tokens: resolved.settings.contextSize, source: "config" };
  if (resolved.target.kind !== "remote") return undefined;
  const names = [remoteModelName(resolved.target), ...resolved.chain].filter((name): name is string => name !== undefined);
  for (const name of names) {
    const known = knownContextWindow(name);
    if (known !== undefined) return { tokens: known, source: "preset" };
  }
  return { tokens: fallbackContextWindow, source: "assumed" };
}

/**
 * A model's context window: a loaded GGUF knows its own (the context Spark allocated, which follows
 * `context_size`); a remote model takes `context_size` from config, else the table of known models,
 * else a conservative assumption.
 */
export async function modelContextWindow(client: ModelClient, resolved: ResolvedModel): Promise<ContextWindow> {
  if (client.contextWindow) return { tokens: await client.contextWindow(), source: "model" };
  return declaredContextWindow(resolved) ?? { tokens: fallbackContextWindow, source: "assumed" };
}
