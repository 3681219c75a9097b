import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { LoadedConfig } from "../config/index.js";

/** 2 GiB of saved KV state unless `[local] kv_cache_max_bytes` says otherwise. */
export const defaultKvCacheMaxBytes = 2 * 1024 ** 3;

/**
 * Where the local engine keeps KV states between processes, from the user's own config only (a project's
 * `.spark/config.toml` cannot set `kv_cache_dir` or `kv_cache_max_bytes`: its layer drops them): `~/`
 * is the home directory, a relative path is under the Spark home (never the workspace), and the default
 * is `<spark home>/kv-cache`. Debug notes go to stderr when SPARK_DEBUG is set.
 */
export function kvCacheSettings(loaded: LoadedConfig, env: NodeJS.ProcessEnv): { dir: string; maxBytes: number; note: (message: string) => void } {
  const { kv_cache_dir: configured, kv_cache_max_bytes: maxBytes = defaultKvCacheMaxBytes } = loaded.config.local ?? {};
  const debug = Boolean(env.SPARK_DEBUG);
  return {
    dir: kvCacheDir(configured, loaded.homeDir),
    maxBytes,
    note: (message) => {
      if (debug) process.stderr.write(`spark: kv cache: ${message}\n`);
    },
  };
}

function kvCacheDir(configured: string | undefined, sparkHome: string): string {
  if (configured === undefined) return join(sparkHome, "kv-cache");
  if (configured.startsWith("~/")) return join(homedir(), configured.slice(2));
  return isAbsolute(configured) ? configured : resolve(sparkHome, configured);
}
