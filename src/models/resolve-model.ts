import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { looksLikeOpenAIModel, providerPresets, type LoadedConfig, type ModelEntry, type ProviderPreset } from "../config/index.js";
import { ModelError } from "../core/index.js";
import { type CallSettings, type ModelTarget, type PoolMember, type ResolvedModel } from "./model-target.js";
import { poolMembers } from "./pool-members.js";

export const defaultOpenAIModel = "gpt-5.3-codex-spark";

export interface ResolveContext {
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const gettingStarted = [
  "No model is configured. Pick one way to get going:",
  "  - OpenAI: export OPENAI_API_KEY=sk-...  then  spark -m gpt-5.3-codex-spark \"hello\"",
  "  - any OpenAI-compatible server: spark --base-url http://127.0.0.1:8080/v1 -m MODEL \"hello\"",
  "  - a local GGUF file: spark -m local:./model.gguf \"hello\"",
  "Or set a default in ~/.spark/config.toml:  model = \"local:/path/to/model.gguf\"",
].join("\n");

function expandPath(path: string, cwd: string): string {
  return path.startsWith("~/") ? join(homedir(), path.slice(2)) : resolve(cwd, path);
}

/** Follows aliases (`[aliases]` or `[models.NAME] model = ...`) to a name that is not one. */
function followAliases(name: string, context: ResolveContext): string[] {
  const { aliases = {}, models = {} } = context.loaded.config;
  const chain = [name];
  for (;;) {
    const current = chain[chain.length - 1] as string;
    // A pool's `model` is its members' default model name, not an alias.
    if (Object.hasOwn(models, current) && models[current]?.upstreams !== undefined) return chain;
    // Own keys only: `-m constructor` must not find Object.prototype.constructor.
    const next = (Object.hasOwn(aliases, current) ? aliases[current] : undefined) ?? (Object.hasOwn(models, current) ? models[current]?.model : undefined);
    if (next === undefined || next === current) return chain;
    if (chain.includes(next)) throw new ModelError("model_unknown", `The aliases ${[...chain, next].join(" -> ")} form a loop. Point one of them at a real model in your config.`);
    chain.push(next);
  }
}

function hfTarget(spec: string, context: ResolveContext): ModelTarget {
  const parts = spec.slice("hf:".length).split("/");
  if (parts.length < 3 || parts.some((part) => part === "" || part === "..") || !spec.endsWith(".gguf")) {
    throw new ModelError("model_unknown", `"${spec}" is not a Hugging Face model reference. Use hf:OWNER/REPO/FILE.gguf, for example hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf.`);
  }
  const [owner, repo, ...file] = parts as [string, string, ...string[]];
  const endpoint = (context.env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/$/, "");
  const cacheDir = context.loaded.config.local?.cache_dir
    ? expandPath(context.loaded.config.local.cache_dir, context.cwd)
    : join(context.loaded.homeDir, "models");
  return {
    kind: "hf",
    spec,
    url: `${endpoint}/${owner}/${repo}/resolve/main/${file.map(encodeURIComponent).join("/")}`,
    cachePath: join(cacheDir, "hf", owner, repo, ...file),
  };
}

function remote(provider: string, model: string, preset: ProviderPreset): ModelTarget {
  return {
    kind: "remote",
    provider,
    model,
    baseUrl: preset.baseUrl,
    api: preset.api,
    ...(preset.apiKeyEnv ? { apiKeyEnv: preset.apiKeyEnv } : {}),
    ...(preset.predictedOutputs ? { predictedOutputs: true } : {}),
    ...(preset.websocket ? { websocket: true } : {}),
  };
}

/** The server a name goes to: its own [models.NAME] base_url, then --base-url / base_url, then its prefix. */
function targetFor(name: string, entry: { name: string; model: ModelEntry } | undefined, context: ResolveContext): ModelTarget {
  if (name.startsWith("local:")) return { kind: "local", path: expandPath(name.slice("local:".length), context.cwd) };
  if (name.startsWith("hf:")) return hfTarget(name, context);
  const { config, sources, projectFile } = context.loaded;
  const baseUrl = entry?.model.base_url ?? config.base_url;
  if (baseUrl) {
    // A URL the project named never gets the user's top-level key: that key belongs to the user's own URL.
    const projectUrl = entry !== undefined && projectFile !== undefined && sources.get(`models.${entry.name}.base_url`) === projectFile;
    const apiKeyEnv = entry?.model.api_key_env ?? (projectUrl ? undefined : config.api_key_env);
    return remote("custom", name, { baseUrl, api: entry?.model.api ?? "chat", ...(apiKeyEnv ? { apiKeyEnv } : {}), ...(entry?.model.predicted_outputs ? { predictedOutputs: true } : {}), ...(entry?.model.websocket ? { websocket: true } : {}) });
  }
  const slash = name.indexOf("/");
  if (slash > 0) {
    const provider = name.slice(0, slash);
    const preset = config.providers?.[provider] ?? providerPresets[provider];
    if (!preset) {
      const known = [...Object.keys(providerPresets), ...Object.keys(config.providers ?? {})].join(", ");
      throw new ModelError("model_unknown", `Unknown provider "${provider}" in "${name}". Known providers: ${known}. Add your own as [providers.${provider}] with base_url in config, or use --base-url.`);
    }
    const normalized: ProviderPreset =
      "base_url" in preset
        ? {
            baseUrl: preset.base_url,
            api: preset.api ?? "chat",
            ...(preset.api_key_env ? { apiKeyEnv: preset.api_key_env } : {}),
            ...(preset.predicted_outputs ? { predictedOutputs: true } : {}),
            ...(preset.websocket ? { websocket: true } : {}),
          }
        : preset;
    return remote(provider, name.slice(slash + 1), normalized);
  }
  if (looksLikeOpenAIModel(name)) return remote("openai", name, providerPresets.openai as ProviderPreset);
  const aliases = Object.keys(config.aliases ?? {});
  throw new ModelError(
    "model_unknown",
    `Unknown model "${name}". It is not an alias${aliases.length ? ` (yours: ${aliases.join(", ")})` : ""} and not a known model name. Use an OpenAI model (gpt-5.3-codex-spark), PROVIDER/MODEL (${Object.keys(providerPresets).join(", ")}), local:PATH.gguf, hf:OWNER/REPO/FILE.gguf, or --base-url URL; or make it a name of your own: a line ${JSON.stringify(name)} = "cerebras/gpt-oss-120b" under the [aliases] table of ~/.spark/config.toml ($SPARK_HOME/config.toml when set; one [aliases] table per file) (the README's examples use "spark" for the fast model and "review" for the strong one). \`spark models\` lists what is configured.`,
  );
}

/** Top-level values from files are defaults under [models.*]; from a profile, env or flag they override it. */
function isOverride(source: string | undefined): boolean {
  return source !== undefined && /^(profile|env|flag) /.test(source);
}

function settingsFor(chain: string[], context: ResolveContext): CallSettings {
  const { config, sources } = context.loaded;
  type Settable = { temperature?: number | undefined; max_tokens?: number | undefined; context_size?: number | undefined; draft_model?: string | undefined };
  const pick = (from: Settable): CallSettings => ({
    ...(from.temperature !== undefined ? { temperature: from.temperature } : {}),
    ...(from.max_tokens !== undefined ? { maxTokens: from.max_tokens } : {}),
    ...(from.context_size !== undefined ? { contextSize: from.context_size } : {}),
    ...(from.draft_model !== undefined ? { draftModel: expandPath(from.draft_model.replace(/^local:/, ""), context.cwd) } : {}),
  });
  const keys = ["temperature", "max_tokens", "context_size", "draft_model"] as const;
  const topDefaults = Object.fromEntries(keys.filter((key) => !isOverride(sources.get(key))).map((key) => [key, config[key]]));
  const topOverrides = Object.fromEntries(keys.filter((key) => isOverride(sources.get(key))).map((key) => [key, config[key]]));
  // The first name in the chain is the most specific: apply the chain from last to first.
  const perModel = [...chain].reverse().map((name) => pick(config.models?.[name] ?? {}));
  return Object.assign({}, pick(topDefaults), ...perModel, pick(topOverrides));
}

/**
 * `--server`: the gateway resolves every name itself (its aliases, its models, its quotas). Resolving here
 * first would let a local alias run the model in process and never reach the gateway. The gateway is called
 * over its Responses WebSocket (incremental turns, steering), over HTTP/SSE if it refuses the upgrade.
 */
function gatewayModel(requested: string | undefined, server: string, context: ResolveContext): ResolvedModel {
  const name = requested ?? context.loaded.config.model;
  if (!name) throw new ModelError("model_not_configured", `Name the gateway's model with -m NAME (GET ${server}/models lists them).`);
  const apiKeyEnv = context.loaded.config.api_key_env ?? "SPARK_API_KEY";
  return { name, chain: [name], target: remote("custom", name, { baseUrl: server, api: "responses", websocket: true, apiKeyEnv }), settings: settingsFor([name], context) };
}

/** Resolves `-m NAME` (or the configured default) to a target and its per-call settings. */
export function resolveModel(requested: string | undefined, context: ResolveContext): ResolvedModel {
  const { server } = context.loaded.config;
  if (server !== undefined) return gatewayModel(requested, server, context);
  const name = requested ?? context.loaded.config.model ?? (context.env.OPENAI_API_KEY ? defaultOpenAIModel : undefined);
  if (!name) throw new ModelError("model_not_configured", gettingStarted);
  const chain = followAliases(name, context);
  const final = chain[chain.length - 1] as string;
  const models = context.loaded.config.models ?? {};
  const poolEntry = Object.hasOwn(models, final) ? models[final] : undefined;
  if (poolEntry?.upstreams !== undefined) {
    const { sources, projectFile, config } = context.loaded;
    const pool = poolMembers({
      name: final,
      entry: poolEntry,
      setByProject: projectFile !== undefined && sources.get(`models.${final}.upstreams`) === projectFile,
      defaultKeyEnv: config.api_key_env,
      localTarget: (model) => targetFor(model, undefined, context),
    });
    return { name, chain, target: (pool[0] as PoolMember).target, settings: settingsFor(chain, context), pool };
  }
  const entryName = chain.find((link) => Object.hasOwn(models, link) && models[link]?.base_url);
  const entry = entryName === undefined ? undefined : { name: entryName, model: models[entryName] as ModelEntry };
  return { name, chain, target: targetFor(final, entry, context), settings: settingsFor(chain, context) };
}


