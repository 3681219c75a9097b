import { ConfigError } from "../core/index.js";
import type { ConfigLayer } from "./layers.js";

/** Environment variables that override config files, and the key each one sets. */
const stringVars = {
  SPARK_MODEL: ["model"],
  SPARK_BASE_URL: ["base_url"],
  SPARK_API_KEY_ENV: ["api_key_env"],
  SPARK_CACHE_DIR: ["local", "cache_dir"],
} as const;

const numberVars = {
  SPARK_TEMPERATURE: ["temperature"],
  SPARK_MAX_TOKENS: ["max_tokens"],
  SPARK_CONTEXT_SIZE: ["context_size"],
  SPARK_THREADS: ["local", "threads"],
  SPARK_MAX_RETRIES: ["network", "max_retries"],
} as const;

export const configEnvVars = [...Object.keys(stringVars), ...Object.keys(numberVars), "SPARK_PROFILE", "SPARK_HOME"];

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const child = (target[head] ?? {}) as Record<string, unknown>;
  target[head] = child;
  setPath(child, rest, value);
}

/** One layer per variable that is set, so `spark config` can name the variable behind each value. */
export function envLayers(env: NodeJS.ProcessEnv): ConfigLayer[] {
  const layers: ConfigLayer[] = [];
  for (const [name, path] of Object.entries(stringVars)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    const data: Record<string, unknown> = {};
    setPath(data, path, value);
    layers.push({ source: `env ${name}`, data });
  }
  for (const [name, path] of Object.entries(numberVars)) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new ConfigError(`Environment variable ${name}="${raw}" is not a number. Set it to a number or unset it.`);
    const data: Record<string, unknown> = {};
    setPath(data, path, value);
    layers.push({ source: `env ${name}`, data });
  }
  return layers;
}
