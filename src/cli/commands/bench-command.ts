import { mkdir, readFile, writeFile } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import { join } from "node:path";
import { cacheRows, formatBenchTable, speculationRows, type BenchRow } from "../../model-bench/index.js";
import { SparkError, toSparkError, UsageError } from "../../core/index.js";
import { exitCodes } from "../common/exit-codes.js";
import type { GlobalOptions } from "../common/global-options.js";
import { openRuntime } from "../common/open-runtime.js";

export interface BenchOptions extends GlobalOptions {
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
  // Its cold calls must be cold: no state saved by an earlier run is loaded, and none is saved.
  const runtime = await openRuntime(options, { printWarnings: false, kvCache: false });
  const resolved = runtime.resolve(options.model);
  const source = options.source === undefined ? sampleSource : await readSource(options.source);
  const maxTokens = positive("--max-tokens", options.maxTokens, 256);
  const turns = positive("--turns", options.turns, 2);
  const remote = resolved.target.kind === "remote";
  try {
    const fast = (await runtime.open(options.model)).client;
    const plain = remote ? fast : (await runtime.open(options.model, { speculation: false })).client;
    const shared = {
      plain,
      fast,
      source,
      maxTokens,
      defaultLever: resolved.settings.draftModel ? "draft model" : "prompt lookup",
      remote,
    };
    const rows: BenchRow[] = await withWindowAdvice(async () => [...(await speculationRows(shared)), ...(remote ? [] : await cacheRows({ ...shared, conversationTurns: turns }))], source, turns);
    const report = { model: fast.displayName, machine: machineLabel(), date: new Date().toISOString(), rows };
    const dir = options.out ?? (await freshResultsFolder(process.cwd()));
    await saveReport(dir, report);
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `Model: ${report.model} · ${report.machine}\n\n${formatBenchTable(rows)}\n`);
    process.stderr.write(`Results saved in ${dir}\n`);
    if (!rows.some((row) => row.identical !== undefined)) {
      process.stderr.write(`spark: ${fast.displayName} generated no text in any workload, so no output was compared; check the model.\n`);
      return exitCodes.failed;
    }
    return rows.some((row) => row.identical === false) ? exitCodes.failed : exitCodes.ok;
  } finally {
    await runtime.dispose();
  }
}

/** The machine a figure was measured on, written beside every result. */
export function machineLabel(): string {
  return `${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Node ${process.version}`;
}

async function readSource(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "there is no such file" : toSparkError(error).message;
    throw new UsageError(`--source ${path}: ${reason}. Give a code file to benchmark on, or leave --source out for the bundled sample.`, { cause: error });
  }
}

/** The workloads put the source in every prompt (the conversations --turns times): say which knob shrinks them. */
async function withWindowAdvice<T>(run: () => Promise<T>, source: string, turns: number): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const cause = toSparkError(error);
    if (cause.code !== "context_overflow") throw error;
    throw new SparkError(
      cause.code,
      `${cause.message} For spark bench: every workload holds the source (${source.length.toLocaleString("en-US")} characters) and the conversations hold it ${turns} times (--turns); give a shorter --source, fewer --turns or a smaller --max-tokens.`,
      { status: cause.status, cause },
    );
  }
}

/**
 * Without --out, results go to a new folder under ./spark-bench-results/ named by the time: a run never
 * overwrites an earlier one, nor the project's committed bench/results/.
 */
async function freshResultsFolder(cwd: string): Promise<string> {
  const parent = join(cwd, "spark-bench-results");
  await mkdir(parent, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  for (let attempt = 1; ; attempt++) {
    const dir = join(parent, attempt === 1 ? stamp : `${stamp}-${attempt}`);
    try {
      await mkdir(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

async function saveReport(dir: string, report: { model: string; machine: string; date: string; rows: BenchRow[] }): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "speed.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, "speed.md"), `# Speed levers\n\nModel: ${report.model}\nMachine: ${report.machine}\nDate: ${report.date}\n\n${formatBenchTable(report.rows)}\n`);
}
