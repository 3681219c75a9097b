import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError } from "../core/index.js";
import { configFileSchema, type ConfigFile, type ProfileEntry } from "./config-schema.js";
import { describeIssue } from "./describe-issue.js";
import { envLayers } from "./env-layer.js";
import { mergeLayers, type ConfigLayer } from "./layers.js";
import { findProjectConfig } from "./find-project-config.js";
import { restrictProjectLayer, trustedNames } from "./project-layer.js";
import { readConfigFile } from "./read-config-file.js";

export interface LoadConfigOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--profile NAME`; falls back to SPARK_PROFILE. */
  profile?: string;
  /** Values from command-line flags, the last layer. */
  flags?: ConfigLayer[];
}

export interface LoadedConfig {
  config: ConfigFile;
  /** For each leaf key ("model", "aliases.spark"), the layer that set it. */
  sources: Map<string, string>;
  /** The config files that exist and were read, lowest priority first. */
  files: string[];
  /** The project's `.spark/config.toml` among them: what it set is in `sources` under this name. */
  projectFile?: string;
  /** Where the user config lives (`SPARK_HOME` or ~/.spark). */
  homeDir: string;
  profile?: string;
  /** Settings that were found but ignored, each with what to do instead (the CLI prints them). */
  warnings: string[];
}

export function sparkHome(env: NodeJS.ProcessEnv): string {
  return env.SPARK_HOME ? resolve(env.SPARK_HOME) : join(homedir(), ".spark");
}

function profileLayer(name: string, merged: Record<string, unknown>): ConfigLayer {
  const profiles = (merged.profiles ?? {}) as Record<string, ProfileEntry>;
  const profile = profiles[name];
  if (!profile) {
    const known = Object.keys(profiles);
    const hint = known.length > 0 ? `Known profiles: ${known.join(", ")}.` : "No profiles are defined.";
    throw new ConfigError(`Profile "${name}" is not defined. ${hint} Define it as [profiles.${name}] in ~/.spark/config.toml or .spark/config.toml.`);
  }
  const { threads, ...rest } = profile;
  const data: Record<string, unknown> = { ...rest };
  if (threads !== undefined) data.local = { threads };
  return { source: `profile ${name}`, data };
}

/** Layers, lowest first: user file, project file (less what it may not set), profile, environment, flags. */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const homeDir = sparkHome(options.env);
  const userFile = join(homeDir, "config.toml");
  const warnings: string[] = [];
  const profile = options.profile ?? (options.env.SPARK_PROFILE || undefined);
  const userLayers: ConfigLayer[] = existsSync(userFile) ? [{ source: userFile, data: readConfigFile(userFile) }] : [];
  const laterLayers = [...envLayers(options.env), ...(options.flags ?? [])];
  const found = findProjectConfig(options.cwd, userFile, options.env.HOME ?? homedir());
  if (found.warning) warnings.push(found.warning);
  const projectLayers: ConfigLayer[] = [];
  if (found.file) {
    const trusted = trustedNames(mergeLayers([...userLayers, ...laterLayers]).merged, profile);
    const restricted = restrictProjectLayer(found.file, readConfigFile(found.file), trusted, userFile);
    warnings.push(...restricted.warnings);
    projectLayers.push(restricted.layer);
  }
  const fileLayers = [...userLayers, ...projectLayers];
  const layers = [...fileLayers];
  if (profile) layers.push(profileLayer(profile, mergeLayers(fileLayers).merged));
  layers.push(...laterLayers);

  const { merged, sources } = mergeLayers(layers);
  const files = fileLayers.map((layer) => layer.source);
  const loaded = { sources, files, homeDir, warnings, ...(found.file ? { projectFile: found.file } : {}), ...(profile ? { profile } : {}) };
  // Nothing set anywhere (no config file, no SPARK_* variable, no flag): the empty config is valid as it is,
  // and its schemas are not even built (they were a good part of `spark apply --check`'s start-up).
  if (layers.length === 0) return { config: {}, ...loaded };
  const result = configFileSchema().safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      // Arrays are set whole by one layer: a key inside one (upstreams.0.weight) is found by its prefix.
      const path = issue.path.map(String);
      let source: string | undefined;
      for (let length = path.length; length > 0 && source === undefined; length--) source = sources.get(path.slice(0, length).join("."));
      return `  - ${describeIssue(issue)}${source ? ` (set by ${source})` : ""}`;
    });
    throw new ConfigError(`The configuration is invalid:\n${problems.join("\n")}`);
  }
  return { config: result.data, ...loaded };
}
