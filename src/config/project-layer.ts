import type { ConfigFile } from "./config-schema.js";
import { isTree, type ConfigLayer, type Tree } from "./layers.js";
import { looksLikeOpenAIModel, providerPresets } from "./provider-presets.js";
import { isConfiguredModel, REVIEW_ALIAS } from "./model-roles.js";

/**
 * What a project's `.spark/config.toml` may set. It comes with the repository (and a sandboxed command
 * can write it), so it may shape how Spark works in that repository — call settings, its own new model
 * names, review checks, protected paths — but never:
 * - move a credential: no `api_key_env` anywhere (a pool member's included), no `server` or `base_url` at the top
 *   level or in a profile (they apply to every model), and no `base_url`, `model`, `upstreams` or alias for a
 *   name the user's own layers or the built-in presets already resolve, nor any table for a built-in or
 *   user-defined provider;
 * - start programs: no `[mcp]` (those servers run outside the sandbox);
 * - expose a service: no `[gateway]` host, redis_url or public_metrics;
 * - write outside the workspace: no `[local] cache_dir`, `kv_cache_dir` or `kv_cache_max_bytes`;
 * - widen the sandbox: of `[sandbox]` only `protected` (it can only narrow).
 * Such keys are dropped; the warnings say which, and where the user can set them if they mean it. A model
 * at a URL of the project's own may still be the one Spark uses unasked (a team's shared server), but never
 * silently: a notice names the URL the prompts go to.
 */

/** The names the user's own layers (file, environment, flags) and the built-in presets already resolve. */
export interface TrustedNames {
  /** A user-set top-level (or chosen profile's) base_url: every name already goes to the user's server. */
  everyName: boolean;
  names: Set<string>;
  providers: Set<string>;
}

/** Reads the names out of the merged user layers, which are not validated yet: every access is guarded. */
export function trustedNames(user: Tree, profile: string | undefined): TrustedNames {
  const table = (value: unknown): Tree => (isTree(value) ? value : {});
  const profiles = table(user.profiles);
  const chosen = profile !== undefined && Object.hasOwn(profiles, profile) ? table(profiles[profile]) : {};
  return {
    everyName: typeof user.base_url === "string" || typeof chosen.base_url === "string",
    names: new Set([...Object.keys(table(user.aliases)), ...Object.keys(table(user.models))]),
    providers: new Set([...Object.keys(providerPresets), ...Object.keys(table(user.providers))]),
  };
}

function isKnownName(name: string, trusted: TrustedNames): boolean {
  if (trusted.everyName || trusted.names.has(name) || looksLikeOpenAIModel(name)) return true;
  if (name.startsWith("local:") || name.startsWith("hf:")) return true;
  const slash = name.indexOf("/");
  return slash > 0 && trusted.providers.has(name.slice(0, slash));
}

/** Drops `keys` from `table`, recording each dropped one as `prefix.key`. */
function drop<T extends object>(table: T, keys: readonly string[], prefix: string, dropped: string[]): T {
  const kept: Tree = {};
  for (const [key, value] of Object.entries(table)) {
    if (keys.includes(key)) dropped.push(`${prefix}${key}`);
    else kept[key] = value;
  }
  return kept as T;
}

/** `[name.key]` as TOML would write it: quoted when the name has dots or other characters. */
const quoted = (name: string) => (/^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name));

function restrictNamed<T extends object>(
  tables: Record<string, T> | undefined,
  section: string,
  rule: (name: string) => readonly string[] | "all",
  dropped: string[],
): Record<string, T> | undefined {
  if (tables === undefined) return undefined;
  const kept: Record<string, T> = {};
  for (const [name, entry] of Object.entries(tables)) {
    const keys = rule(name);
    if (keys === "all") dropped.push(`[${section}.${quoted(name)}]`);
    else kept[name] = drop(entry, keys, `${section}.${quoted(name)}.`, dropped);
  }
  return kept;
}

/** A pool's members may not name a key either: each `api_key_env` in a project's `upstreams` is dropped. */
function withoutMemberKeys(models: NonNullable<ConfigFile["models"]>, dropped: string[]): NonNullable<ConfigFile["models"]> {
  const kept: NonNullable<ConfigFile["models"]> = {};
  for (const [name, entry] of Object.entries(models)) {
    const upstreams = entry.upstreams?.map((member, index) => drop(member, ["api_key_env"], `models.${quoted(name)}.upstreams[${index}].`, dropped));
    kept[name] = upstreams ? { ...entry, upstreams } : entry;
  }
  return kept;
}

/** Alias chains longer than this are not followed (a loop, or a config built to be slow). */
const MAX_ALIAS_HOPS = 16;

/**
 * The URL a name reaches through the project's own aliases and models, when the project set it: one of its
 * `[models.X] base_url`, or the `base_url` of a provider it defined (built-in and user providers were
 * dropped); undefined when the name leads anywhere else.
 */
function projectUrlOf(data: ConfigFile, start: string): string | undefined {
  const aliases = data.aliases ?? {};
  const models = data.models ?? {};
  const providers = data.providers ?? {};
  let name = start;
  for (let hop = 0; hop < MAX_ALIAS_HOPS; hop++) {
    const slash = name.indexOf("/");
    const provider = slash > 0 ? name.slice(0, slash) : undefined;
    if (provider !== undefined && Object.hasOwn(providers, provider)) return providers[provider]?.base_url;
    const entry = Object.hasOwn(models, name) ? models[name] : undefined;
    if (entry?.base_url !== undefined) return entry.base_url;
    const member = entry?.upstreams?.find((candidate) => candidate.base_url !== undefined);
    if (member?.base_url !== undefined) return member.base_url;
    const next = Object.hasOwn(aliases, name) ? aliases[name] : entry?.model;
    if (next === undefined) return undefined;
    name = next;
  }
  return undefined;
}

/**
 * Where the project's config sends the user's prompts without being asked: the default model, a profile's,
 * the compaction model and the `review` model, when they lead to a URL the project set. One notice each.
 */
function projectEndpointNotices(file: string, data: ConfigFile): string[] {
  const choices: [string, string | undefined][] = [
    ["model", data.model],
    ["[context] compact_model", data.context?.compact_model],
    [REVIEW_ALIAS, isConfiguredModel(data, REVIEW_ALIAS) ? REVIEW_ALIAS : undefined],
    ...Object.entries(data.profiles ?? {}).map(([name, profile]): [string, string | undefined] => [`[profiles.${quoted(name)}] model`, profile.model]),
  ];
  const notices: string[] = [];
  for (const [key, name] of choices) {
    const url = name === undefined ? undefined : projectUrlOf(data, name);
    if (url === undefined) continue;
    notices.push(
      `${file} sets ${key} to "${name}", a model at ${url} that this project's config defines: your prompts and code go there ` +
        `(no API key is sent). If you did not expect that, pass -m with a model of your own, or set ${key === REVIEW_ALIAS ? `[aliases] ${REVIEW_ALIAS}` : key} in your own config.`,
    );
  }
  return notices;
}

function restrict(data: ConfigFile, trusted: TrustedNames, dropped: string[]): ConfigFile {
  const { mcp: _startsPrograms, ...rest } = data;
  const top = drop(rest, ["base_url", "api_key_env", "server"], "", dropped);
  let aliases: Record<string, string> | undefined;
  if (data.aliases) {
    aliases = {};
    for (const [name, target] of Object.entries(data.aliases)) {
      if (isKnownName(name, trusted)) dropped.push(`aliases.${quoted(name)}`);
      else aliases[name] = target;
    }
  }
  const named = restrictNamed(data.models, "models", (name) => (isKnownName(name, trusted) ? ["base_url", "api_key_env", "model", "upstreams"] : ["api_key_env"]), dropped);
  const models = named && withoutMemberKeys(named, dropped);
  const providers = restrictNamed(data.providers, "providers", (name) => (trusted.providers.has(name) ? "all" : ["api_key_env"]), dropped);
  const profiles = restrictNamed(data.profiles, "profiles", () => ["base_url", "api_key_env"], dropped);
  const gateway = data.gateway && drop(data.gateway, ["host", "redis_url", "public_metrics"], "gateway.", dropped);
  const local = data.local && drop(data.local, ["cache_dir", "kv_cache_dir", "kv_cache_max_bytes"], "local.", dropped);
  const sandbox = data.sandbox && drop(data.sandbox, ["home_read", "allow_hosts", "unix_sockets", "limits"], "sandbox.", dropped);
  return {
    ...top,
    ...(aliases ? { aliases } : {}),
    ...(models ? { models } : {}),
    ...(providers ? { providers } : {}),
    ...(profiles ? { profiles } : {}),
    ...(gateway ? { gateway } : {}),
    ...(local ? { local } : {}),
    ...(sandbox ? { sandbox } : {}),
  };
}

/** The project's layer with what it may not set removed, and one warning per kind of thing removed. */
export function restrictProjectLayer(file: string, data: ConfigFile, trusted: TrustedNames, userFile: string): { layer: ConfigLayer; warnings: string[] } {
  const dropped: string[] = [];
  const restricted = restrict(data, trusted, dropped);
  const warnings: string[] = [];
  if (data.mcp !== undefined) {
    warnings.push(
      `ignored [mcp] in ${file}: a project's config cannot start MCP servers, because they run outside the sandbox ` +
        `and a cloned repository could run any program. If you trust these servers, move the [mcp.servers.*] tables to your own config, ${userFile}.`,
    );
  }
  if (dropped.length > 0) {
    warnings.push(
      `ignored ${dropped.join(", ")} in ${file}: a project's config cannot choose where an API key or a known model's requests go, ` +
        `expose the gateway, write outside the workspace or widen the sandbox, because a cloned repository could steal your keys that way. ` +
        `If you trust these settings, put them in your own config, ${userFile}.`,
    );
  }
  warnings.push(...projectEndpointNotices(file, restricted));
  return { layer: { source: file, data: restricted }, warnings };
}
