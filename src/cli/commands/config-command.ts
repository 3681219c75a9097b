import { configEnvVars } from "../../config/index.js";
import type { GlobalOptions } from "../common/global-options.js";
import { loadWithFlags, printConfigWarnings } from "../common/load-with-flags.js";

function leaves(value: unknown, prefix = ""): [string, unknown][] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key));
}

/** `spark config`: the effective configuration and where each value came from. */
export async function showConfig(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const loaded = await loadWithFlags(options);
  printConfigWarnings(loaded);
  const entries = leaves(loaded.config).filter(([key]) => key !== "");
  if (options.json) {
    const values = Object.fromEntries(entries.map(([key, value]) => [key, { value, source: loaded.sources.get(key) }]));
    process.stdout.write(`${JSON.stringify({ files: loaded.files, profile: loaded.profile ?? null, values }, null, 2)}\n`);
    return 0;
  }
  const files = loaded.files.length > 0 ? loaded.files.join(", ") : `none (create ${loaded.homeDir}/config.toml or .spark/config.toml)`;
  process.stdout.write(`config files: ${files}\n`);
  if (loaded.profile) process.stdout.write(`profile: ${loaded.profile}\n`);
  if (entries.length === 0) process.stdout.write("no settings: every value is Spark's default\n");
  // A fold, not Math.max(...keys): spreading thousands of arguments overflows the stack.
  const width = entries.reduce((widest, [key]) => Math.max(widest, key.length), 0);
  for (const [key, value] of entries) {
    process.stdout.write(`${key.padEnd(width)} = ${JSON.stringify(value)}   # ${loaded.sources.get(key) ?? "default"}\n`);
  }
  process.stdout.write(`\nenvironment variables read: ${configEnvVars.join(", ")}\n`);
  return 0;
}
