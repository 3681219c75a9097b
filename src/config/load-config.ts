import { findConfigSources, isUnconfigured, type LoadConfigOptions, type LoadedConfig } from "./config-sources.js";

/**
 * The configuration that applies in `options.cwd`: every layer read, merged and validated
 * (validate-config.ts). Asynchronous so that validating can be loaded on demand: with nothing set
 * anywhere (no config file, no profile, no SPARK_* variable, no flag) the empty config is valid as it is,
 * and zod, the config's ~200 schemas and the TOML parser are not even loaded — they were most of what
 * `spark apply --check` compiled at start (issue 23). Any layer is validated, and a project's restricted,
 * exactly as before.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const found = findConfigSources(options);
  if (isUnconfigured(found)) {
    return { config: {}, sources: new Map(), files: [], homeDir: found.homeDir, warnings: found.project.warning ? [found.project.warning] : [] };
  }
  const { validateConfig } = await import("./validate-config.js");
  return validateConfig(found);
}
