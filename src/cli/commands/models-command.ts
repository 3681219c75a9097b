import { SparkError } from "../../core/index.js";
import { declaredContextWindow, describeTarget, engineBuildStatus, keyIsOptional, modelStatus, providerPresets, type PoolMember, type ResolvedModel } from "../../models/index.js";
import type { GlobalOptions } from "../common/global-options.js";
import { ModelRuntime } from "../../runtime/index.js";
import { loadWithFlags } from "../common/load-with-flags.js";
import { describeEngineBuild } from "./engine-command.js";

interface ModelRow {
  name: string;
  isDefault: boolean;
  resolvesTo: string;
  usable: boolean;
  detail: string;
  contextWindow?: string;
  /** A pool's replicas. */
  members?: { replica: number; resolvesTo: string; weight: number; maxConcurrent: number; usable: boolean; detail: string }[];
}

const sources = { model: "", config: "from config", preset: "known model", assumed: "assumed; set context_size" } as const;

function describeWindow(resolved: ResolvedModel): string {
  const window = declaredContextWindow(resolved);
  if (!window) return "context window: the GGUF's training context, at most 8,192 tokens (context_size to change)";
  return `context window: ${window.tokens.toLocaleString("en-US")} tokens (${sources[window.source]})`;
}

/** A pool's members, one line each with whether it is usable now (their health is the gateway's: GET /v1/spark/pools). */
function poolRow(pool: PoolMember[], via: string): Pick<ModelRow, "resolvesTo" | "usable" | "detail" | "members"> {
  const members = pool.map((member, index) => {
    const status = modelStatus(member.target, process.env);
    return { replica: index + 1, resolvesTo: describeTarget(member.target), weight: member.weight, maxConcurrent: member.maxConcurrent, ...status };
  });
  const usable = members.filter((member) => member.usable).length;
  return { resolvesTo: `${via}pool of ${members.length} replica(s), balanced by \`spark serve\``, usable: usable > 0, detail: `${usable} of ${members.length} usable`, members };
}

/** Every name the config defines (default, aliases, [models.*]), resolved and checked without calling it. */
async function modelRows(options: GlobalOptions): Promise<ModelRow[]> {
  // Nothing is opened: the runtime only resolves here.
  const runtime = new ModelRuntime({ loaded: await loadWithFlags(options) });
  const { config } = runtime.loaded;
  const names = new Set<string>([...(config.model ? [config.model] : []), ...Object.keys(config.aliases ?? {}), ...Object.keys(config.models ?? {})]);
  return [...names].map((name) => {
    try {
      const resolved = runtime.resolve(name);
      const via = resolved.chain.length > 1 ? `${resolved.chain.slice(1).join(" -> ")}: ` : "";
      if (resolved.pool !== undefined) return { name, isDefault: name === config.model, ...poolRow(resolved.pool, via) };
      const status = modelStatus(resolved.target, process.env);
      return { name, isDefault: name === config.model, resolvesTo: `${via}${describeTarget(resolved.target)}`, ...status, contextWindow: describeWindow(resolved) };
    } catch (error) {
      return { name, isDefault: name === config.model, resolvesTo: "(does not resolve)", usable: false, detail: error instanceof SparkError ? error.message : String(error) };
    }
  });
}

function presetLines(): string[] {
  return Object.entries(providerPresets).map(([name, preset]) => {
    const optional = keyIsOptional(preset.baseUrl) ? "optional, " : "";
    const key = preset.apiKeyEnv ? `$${preset.apiKeyEnv} ${optional}${process.env[preset.apiKeyEnv] ? "set" : "not set"}` : "no key needed";
    return `  ${name.padEnd(11)} ${preset.baseUrl.padEnd(32)} ${key}`;
  });
}

/** `spark models`: what each configured name resolves to and whether it is usable now. */
export async function listModels(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const rows = await modelRows(options);
  const engineBuilds = engineBuildStatus();
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ models: rows, providers: providerPresets, engineBuilds }, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write("No models configured yet: add aliases to ~/.spark/config.toml, or use -m directly (see `spark --help`).\n");
  }
  for (const row of rows) {
    const mark = row.usable ? "ok " : "-- ";
    process.stdout.write(`${mark}${row.name}${row.isDefault ? " (default)" : ""}\n     ${row.resolvesTo}\n     ${row.detail}${row.contextWindow ? ` · ${row.contextWindow}` : ""}\n`);
    for (const member of row.members ?? []) {
      process.stdout.write(`     ${member.usable ? "ok" : "--"} ${member.replica}. ${member.resolvesTo} · weight ${member.weight}, max ${member.maxConcurrent} at once · ${member.detail}\n`);
    }
  }
  process.stdout.write(`\nBuilt-in providers (use as PROVIDER/MODEL):\n${presetLines().join("\n")}\n`);
  process.stdout.write(`\nLocal engine builds (local: and hf: models; \`spark engine list\`):\n${engineBuilds.map((status) => `  ${describeEngineBuild(status)}`).join("\n") || "  none published for this machine"}\n`);
  return 0;
}
