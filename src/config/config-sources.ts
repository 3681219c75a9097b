import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { ConfigFile } from "./config-schema.js";
import { envLayers } from "./env-layer.js";
import { findProjectConfig, type FoundProjectConfig } from "./find-project-config.js";
import type { ConfigLayer } from "./layers.js";

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

/** Where the configuration's layers come from, found before any file is read. */
export interface ConfigSources {
  homeDir: string;
  /** The user's config file, whether or not it exists. */
  userFile: string;
  userFileExists: boolean;
  project: FoundProjectConfig;
  profile?: string;
  /** The environment's layers, then the flags': the last ones, over every file. */
  laterLayers: ConfigLayer[];
}

export function findConfigSources(options: LoadConfigOptions): ConfigSources {
  const homeDir = sparkHome(options.env);
  const userFile = join(homeDir, "config.toml");
  const profile = options.profile ?? (options.env.SPARK_PROFILE || undefined);
  const userFileExists = existsSync(userFile);
  const laterLayers = [...envLayers(options.env), ...(options.flags ?? [])];
  const project = findProjectConfig(options.cwd, userFile, options.env.HOME ?? homedir());
  return { homeDir, userFile, userFileExists, project, ...(profile ? { profile } : {}), laterLayers };
}

/** Nothing set anywhere: no config file, no profile, no SPARK_* variable, no flag. */
export function isUnconfigured(sources: ConfigSources): boolean {
  return !sources.userFileExists && sources.project.file === undefined && sources.profile === undefined && sources.laterLayers.length === 0;
}
