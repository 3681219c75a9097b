import { loadConfig, type ConfigLayer, type LoadedConfig } from "../../config/index.js";
import { UsageError } from "../../core/index.js";
import type { GlobalOptions } from "./global-options.js";

function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new UsageError(`${flag} expects a number, got "${value}".`);
  return number;
}

/**
 * A Spark gateway is an OpenAI-compatible server under /v1, keyed by a Spark API key. `server` makes every
 * name go there unresolved; base_url is set too so that a project's config cannot move any name either.
 */
function serverLayer(url: string): Record<string, unknown> {
  const trimmed = url.replace(/\/+$/, "");
  const v1 = trimmed.endsWith("/v1") ? trimmed : `${trimmed}/v1`;
  return { server: v1, base_url: v1, api_key_env: "SPARK_API_KEY" };
}

function flagLayers(options: GlobalOptions): ConfigLayer[] {
  const layers: ConfigLayer[] = [];
  const add = (flag: string, data: Record<string, unknown>) => layers.push({ source: `flag ${flag}`, data });
  if (options.baseUrl !== undefined) add("--base-url", { base_url: options.baseUrl });
  if (options.server !== undefined) add("--server", serverLayer(options.server));
  if (options.apiKeyEnv !== undefined) add("--api-key-env", { api_key_env: options.apiKeyEnv });
  const temperature = numberFlag("--temperature", options.temperature);
  if (temperature !== undefined) add("--temperature", { temperature });
  const maxTokens = numberFlag("--max-tokens", options.maxTokens);
  if (maxTokens !== undefined) add("--max-tokens", { max_tokens: maxTokens });
  const contextSize = numberFlag("--context-size", options.contextSize);
  if (contextSize !== undefined) add("--context-size", { context_size: contextSize });
  const threads = numberFlag("--threads", options.threads);
  if (threads !== undefined) add("--threads", { local: { threads } });
  if (options.draftModel !== undefined) add("--draft-model", { draft_model: options.draftModel });
  return layers;
}

/** Prints what loading the config ignored, and why (a project's keys that could move a key, its [mcp]). */
export function printConfigWarnings(loaded: LoadedConfig): void {
  for (const warning of loaded.warnings) process.stderr.write(`spark: ${warning}\n`);
}

/**
 * Loads the configuration with the command line as its top layer. `extra`: layers a command adds over the
 * flags (`serve` makes `-m` the config's model).
 */
export async function loadWithFlags(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), extra: ConfigLayer[] = []): Promise<LoadedConfig> {
  return loadConfig({ cwd, env, flags: [...flagLayers(options), ...extra], ...(options.profile ? { profile: options.profile } : {}) });
}
