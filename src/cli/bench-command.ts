import { mkdir, readFile, writeFile } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { cacheRows, formatBenchTable, speculationRows, type BenchRow } from "../benchmarks/index.js";
import { UsageError } from "../core/index.js";
import { createModelClient, resolveModel } from "../models/index.js";
import { exitCodes } from "./exit-codes.js";
import { loadWithFlags, type GlobalOptions } from "./global-options.js";
import { clientDependencies } from "./open-model.js";
import type { RegisterCommand } from "./register-command.js";

interface BenchOptions extends GlobalOptions {
  source?: string;
  turns?: string;
  json?: boolean;
  out?: string;
}

/** A TypeScript file of the usual shape, used when --source is not given. */
const sampleSource = Array.from(
  { length: 12 },
  (_, index) => `export function handler${index}(request: Request): Response {\n  const url = new URL(request.url);\n  if (!url.searchParams.has("id")) return new Response("missing id", { status: 400 });\n  return Response.json({ id: url.searchParams.get("id"), handler: ${index} });\n}\n`,
).join("\n");

function positive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`${flag} expects a positive whole number, got "${value}".`);
  return number;
}

/** `spark bench`: every speed lever against plain decoding of the same model, in the same run. */
export async function runBench(options: BenchOptions): Promise<number> {
  const loaded = loadWithFlags(options);
  const resolved = resolveModel(options.model, { loaded, env: process.env, cwd: process.cwd() });
  const source = options.source ? await readFile(options.source, "utf8") : sampleSource;
  const { deps, disposeEngine } = clientDependencies(loaded);
  const remote = resolved.target.kind === "remote";
  const fast = await createModelClient(resolved, deps);
  const plain = remote ? fast : await createModelClient(resolved, { ...deps, speculation: false });
  try {
    const shared = {
      plain,
      fast,
      source,
      maxTokens: positive("--max-tokens", options.maxTokens, 256),
      defaultLever: resolved.settings.draftModel ? "draft model" : "prompt lookup",
      remote,
    };
    const rows: BenchRow[] = [...(await speculationRows(shared)), ...(remote ? [] : await cacheRows({ ...shared, conversationTurns: positive("--turns", options.turns, 2) }))];
    const report = { model: fast.displayName, machine: machineLabel(), date: new Date().toISOString(), rows };
    if (options.out) await saveReport(options.out, report);
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `Model: ${report.model} · ${report.machine}\n\n${formatBenchTable(rows)}\n`);
    return rows.some((row) => row.identical === false) ? exitCodes.failed : exitCodes.ok;
  } finally {
    await fast.close();
    if (plain !== fast) await plain.close();
    await disposeEngine();
  }
}

/** The machine a figure was measured on, written beside every result. */
export function machineLabel(): string {
  return `${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Node ${process.version}`;
}

async function saveReport(dir: string, report: { model: string; machine: string; date: string; rows: BenchRow[] }): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "speed.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, "speed.md"), `# Speed levers\n\nModel: ${report.model}\nMachine: ${report.machine}\nDate: ${report.date}\n\n${formatBenchTable(report.rows)}\n`);
}

export const registerBenchCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("bench")
    .description("measure each speed lever (prediction, prompt lookup, draft model, prefix reuse) against plain decoding of the same model")
    .option("--source <file>", "the code file the rewrite and continue workloads use (default: a bundled TypeScript sample)")
    .option("--turns <n>", "turns in the follow-up conversation, each holding the source (default 2)")
    .option("--json", "print the results as JSON")
    .option("--out <dir>", "also write speed.json and speed.md into this folder")
    .action(async (options: BenchOptions, command: Command) => setExitCode(await runBench({ ...command.optsWithGlobals<GlobalOptions>(), ...options })));
};
