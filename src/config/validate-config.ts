import { ConfigError } from "../core/index.js";
import { configFileSchema, type ProfileEntry } from "./config-schema.js";
import type { ConfigSources, LoadedConfig } from "./config-sources.js";
import { describeIssue } from "./describe-issue.js";
import { mergeLayers, type ConfigLayer } from "./layers.js";
import { restrictProjectLayer, trustedNames } from "./project-layer.js";
import { readConfigFile } from "./read-config-file.js";

/*
 * Reading and validating the layers: the part of loading the configuration that needs zod, the config's
 * schemas and the TOML parser. load-config.ts imports this module only when some layer exists.
 */

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
export function validateConfig(found: ConfigSources): LoadedConfig {
  const { homeDir, userFile, project, profile, laterLayers } = found;
  const warnings: string[] = project.warning ? [project.warning] : [];
  const userLayers: ConfigLayer[] = found.userFileExists ? [{ source: userFile, data: readConfigFile(userFile) }] : [];
  const projectLayers: ConfigLayer[] = [];
  if (project.file) {
    const trusted = trustedNames(mergeLayers([...userLayers, ...laterLayers]).merged, profile);
    const restricted = restrictProjectLayer(project.file, readConfigFile(project.file), trusted, userFile);
    warnings.push(...restricted.warnings);
    projectLayers.push(restricted.layer);
  }
  const fileLayers = [...userLayers, ...projectLayers];
  const layers = [...fileLayers];
  if (profile) layers.push(profileLayer(profile, mergeLayers(fileLayers).merged));
  layers.push(...laterLayers);

  const { merged, sources } = mergeLayers(layers);
  const files = fileLayers.map((layer) => layer.source);
  const loaded = { sources, files, homeDir, warnings, ...(project.file ? { projectFile: project.file } : {}), ...(profile ? { profile } : {}) };
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
