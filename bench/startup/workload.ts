import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureTestModel } from "../../test/support/tiny-gguf.js";

/**
 * Start-up of the built CLI (`bin/spark.js`), whole processes as a user or an agent starts them, each
 * against `node -e 0` in the same run: `--version`, `--help`, `apply --check` of a one-line patch to a
 * 1,000-line file, time until `spark lsp` and `spark mcp` answer `initialize`, and time to the first
 * streamed byte of `spark -m local:` on the tiny test model. Median of `runs` runs each, interleaved.
 */
export const STARTUP_DEFAULTS = { runs: 5 };

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** SPARK_STARTUP_BIN measures another build (e.g. a checkout of main, for a before/after). */
const sparkBin = process.env.SPARK_STARTUP_BIN ? resolve(process.env.SPARK_STARTUP_BIN) : join(repoRoot, "bin", "spark.js");

export interface StartupRow {
  name: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median over the median of `node -e 0` in the same run. */
  ratio: number;
}

export interface StartupResult {
  /** The CLI measured. */
  bin: string;
  runs: number;
  rows: StartupRow[];
}

interface Probe {
  name: string;
  args: string[];
  /** Stdin written at the start, for a server: it stays open until `until` matches stdout. */
  stdin?: string;
  /** The time taken is until stdout matches this; without it, until the process exits. */
  until?: RegExp;
  /** Which the CLI must get right, else the figure is not reported. */
  expect?: RegExp;
}

function lspFrame(message: object): string {
  const body = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const initialize = { jsonrpc: "2.0", id: 1, method: "initialize" };

function probes(workspace: string, model: string): Probe[] {
  return [
    { name: "node -e 0", args: ["-e", "0"] },
    { name: "spark --version", args: [sparkBin, "--version"], expect: /\d+\.\d+\.\d+/ },
    { name: "spark --help", args: [sparkBin, "--help"], expect: /Usage: spark/ },
    { name: "spark apply --check (1,000-line file)", args: [sparkBin, "apply", "--check", "-C", workspace, join(workspace, "edit.patch")], expect: /would be applied/ },
    {
      name: "spark lsp: initialize answered",
      args: [sparkBin, "lsp", "-m", `local:${model}`],
      stdin: lspFrame({ ...initialize, params: { processId: null, rootUri: null, capabilities: {} } }),
      until: /"id":1,"result":\{"capabilities"/,
    },
    {
      name: "spark mcp: initialize answered",
      args: [sparkBin, "mcp", "-C", workspace],
      stdin: `${JSON.stringify({ ...initialize, params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } } })}\n`,
      until: /"serverInfo"/,
    },
    { name: "spark -m local: first streamed byte (tiny test model)", args: [sparkBin, "-m", `local:${model}`, "--max-tokens", "8", "say hi"], until: /\S/ },
  ];
}

/** One whole process: milliseconds from spawn to `until` (or exit). */
function timeOnce(probe: Probe, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, probe.args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let reached: number | undefined;
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      if (probe.until !== undefined && reached === undefined && probe.until.test(stdout)) {
        reached = performance.now() - started;
        child.stdin.end();
        child.kill("SIGTERM");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.stdin.on("error", () => undefined);
    // A server's stdin stays open (closing it ends the server); a one-shot command sees it closed at once.
    if (probe.stdin === undefined) child.stdin.end();
    else child.stdin.write(probe.stdin);
    child.on("close", (code) => {
      clearTimeout(timer);
      const elapsed = performance.now() - started;
      if (probe.until !== undefined) {
        if (reached === undefined) reject(new Error(`${probe.name}: no answer (exit ${code}): ${stderr.slice(0, 400)}`));
        else resolvePromise(reached);
        return;
      }
      if (code !== 0 || (probe.expect !== undefined && !probe.expect.test(stdout))) reject(new Error(`${probe.name}: exit ${code}: ${(stderr || stdout).slice(0, 400)}`));
      else resolvePromise(elapsed);
    });
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** A 1,000-line file and a patch that changes its middle line, as an agent's `spark apply --check` sees them. */
function writeWorkspace(dir: string): void {
  writeFileSync(join(dir, "big.ts"), Array.from({ length: 1000 }, (_, index) => `export const value${index} = ${index};`).join("\n") + "\n");
  writeFileSync(join(dir, "edit.patch"), "*** Begin Patch\n*** Update File: big.ts\n@@\n export const value499 = 499;\n-export const value500 = 500;\n+export const value500 = 5000;\n export const value501 = 501;\n*** End Patch\n");
}

export async function runStartup(options: { runs: number }, log: (line: string) => void): Promise<StartupResult> {
  if (!existsSync(join(dirname(sparkBin), "..", "dist", "cli", "main.js"))) throw new Error("build first: npm run build (the benchmark runs the real bin/spark.js)");
  const model = await ensureTestModel();
  const home = mkdtempSync(join(tmpdir(), "spark-startup-home-"));
  const workspace = mkdtempSync(join(tmpdir(), "spark-startup-ws-"));
  writeWorkspace(workspace);
  const env = { PATH: process.env.PATH ?? "", HOME: home, SPARK_HOME: join(home, ".spark") };
  const list = probes(workspace, model);
  const times = new Map<string, number[]>(list.map((probe) => [probe.name, []]));
  try {
    // Interleaved rounds: a busy moment on the machine touches every probe alike.
    for (let round = 0; round < options.runs; round++) {
      for (const probe of list) times.get(probe.name)?.push(await timeOnce(probe, env, workspace));
      log(`round ${round + 1}/${options.runs} done`);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(workspace, { recursive: true, force: true });
  }
  const floor = median(times.get("node -e 0") ?? []);
  const rows = list.map((probe) => {
    const values = times.get(probe.name) ?? [];
    const mid = median(values);
    return { name: probe.name, medianMs: Math.round(mid), minMs: Math.round(Math.min(...values)), maxMs: Math.round(Math.max(...values)), ratio: Number((mid / floor).toFixed(2)) };
  });
  return { bin: relative(repoRoot, sparkBin).startsWith("..") ? sparkBin : relative(repoRoot, sparkBin), runs: options.runs, rows };
}

export function startupMarkdown(result: StartupResult): string {
  const lines = [
    `Whole processes of the built CLI (\`${result.bin}\`), median of ${result.runs} interleaved runs; ratio: median / median of \`node -e 0\` in the same run. lsp/mcp: from spawn to the \`initialize\` answer on stdout; local: to the first byte of the answer (the tiny random-weight test model, so it measures loading, not the model).`,
    "",
    "| command | median | min | max | ratio to node -e 0 |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...result.rows.map((row) => `| ${row.name} | ${(row.medianMs / 1000).toFixed(3)} s | ${(row.minMs / 1000).toFixed(3)} s | ${(row.maxMs / 1000).toFixed(3)} s | ${row.ratio.toFixed(2)}x |`),
  ];
  return `${lines.join("\n")}\n`;
}
