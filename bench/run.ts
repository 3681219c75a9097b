import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { contextMarkdown, runContextBench } from "./context/workload.js";
import { EDITS_DEFAULTS, editsMarkdown, runEdits } from "./edits/workload.js";
import { lazyEditsMarkdown, runLazyEdits } from "./edits/lazy-workload.js";
import { kvMarkdown, runKvBench } from "./kv/workload.js";
import { evalHarnessMarkdown, runEvalHarness } from "./eval-harness/workload.js";
import { gatewayMarkdown } from "./gateway/report.js";
import { LSP_DEFAULTS, lspMarkdown, runLspBench } from "./lsp/workload.js";
import { GATEWAY_DEFAULTS, runGateway } from "./gateway/workload.js";
import { RELAY_DEFAULTS, relayCpuMarkdown, runRelayCpu } from "./gateway/relay-cpu.js";
import { SESSION_DEFAULTS, runSessionBench, sessionMarkdown } from "./session/workload.js";
import { poolsMarkdown } from "./pools/report.js";
import { POOLS_DEFAULTS, runPoolsBench } from "./pools/workload.js";
import { runSpeed, speedMarkdown } from "./speed/workload.js";
import { REAL_SHAPE_DEFAULTS, realShapeMarkdown, runRealShapeSpeed } from "./speed/real-shape.js";
import { isShapeName, isShapeQuant, SHAPE_QUANTS, SHAPES, type ShapeName, type ShapeQuant } from "../test/support/gguf-shapes.js";
import { runStartup, STARTUP_DEFAULTS, startupMarkdown } from "./startup/workload.js";
import { runVscodeBench, VSCODE_DEFAULTS, vscodeMarkdown } from "./vscode/workload.js";
import { frameTraceMarkdown, runFrameTrace } from "./web/frame-trace.js";
import { runWebBench, WEB_DEFAULTS, webMarkdown } from "./web/workload.js";
import { runWebsocketBench, WEBSOCKET_DEFAULTS, websocketMarkdown } from "./websocket/workload.js";
import { runSinkBurstBench, SINK_BURST_DEFAULTS, sinkBurstMarkdown } from "./websocket/sink-burst.js";

/**
 * The benchmark runner: `npm run bench` runs every workload, `npm run bench -- edits` the named ones.
 * Options: `--cases N` and `--seed S` (corpus size and seed for `edits`; for `gateway`, `--cases` is the
 * latency rounds per mode), `--time-budget S` (seconds of timed passes per workload; for `gateway`, per
 * latency mode). Each workload writes bench/results/<name>.json and <name>.md, labelled
 * with the machine. Benchmarks are not tests: they report, they do not fail on a number.
 * `speed` takes `--shape NAME [--quant q8_0|q4_0|q4_k|q4_k_m] [--threads 1,2] [--max-tokens N] [--gpu cuda]` to
 * run on a model of a real model's shape instead (bench/speed/real-shape.ts; results in
 * speed-real-shape[-<quant>][-cuda], no quant suffix for q8_0).
 */

interface Machine {
  cpu: string;
  cores: number;
  node: string;
  date: string;
}

interface Workload {
  description: string;
  /** `name` overrides the results files' name (a variant of the workload). */
  run(args: Args, log: (line: string) => void): Promise<{ json: unknown; markdown: string; name?: string }>;
}

interface Args {
  workloads: string[];
  cases: number | undefined;
  seed: number | undefined;
  timeBudgetS: number | undefined;
  shape: ShapeName | undefined;
  quant: ShapeQuant | undefined;
  gpu: boolean;
  threads: number[] | undefined;
  maxTokens: number | undefined;
}

const WORKLOADS: Record<string, Workload> = {
  speed: {
    description: "local engine levers (prediction, prompt lookup, draft model, prefix reuse) against plain decoding, on the chain test model (--shape: on a model of a real model's shape, against the bandwidth bound)",
    run: async (args, log) => {
      if (args.shape === undefined) {
        const result = await runSpeed(log);
        return { json: result, markdown: speedMarkdown(result) };
      }
      const quant = args.quant ?? REAL_SHAPE_DEFAULTS.quant;
      // --cases N: calls per side of each comparison (rows show the median).
      const options = { shape: args.shape, quant, gpu: args.gpu, threads: args.threads, maxTokens: args.maxTokens ?? REAL_SHAPE_DEFAULTS.maxTokens, rounds: args.cases ?? REAL_SHAPE_DEFAULTS.rounds };
      const result = await runRealShapeSpeed(options, log);
      const name = `speed-real-shape${quant === REAL_SHAPE_DEFAULTS.quant ? "" : `-${quant}`}${args.gpu ? "-cuda" : ""}`;
      return { json: result, markdown: realShapeMarkdown(result), name };
    },
  },
  edits: {
    description: "patch corpus: Spark's matcher vs an exact-match baseline, success rate per drift kind and apply time",
    run: async (args, log) => {
      const result = await runEdits(
        {
          cases: args.cases ?? EDITS_DEFAULTS.cases,
          seed: args.seed ?? EDITS_DEFAULTS.seed,
          timeBudgetS: args.timeBudgetS ?? EDITS_DEFAULTS.timeBudgetS,
        },
        log,
      );
      return { json: result, markdown: editsMarkdown(result) };
    },
  },
  "edits-lazy": {
    description: "lazy edits: deterministic merge over a corpus of real files, the merge guard against hostile merges, fast apply (old file as prediction) on the chain test model",
    run: async (args, log) => {
      const result = await runLazyEdits({ cases: Math.min(args.cases ?? 500, 5000), seed: args.seed ?? EDITS_DEFAULTS.seed }, log);
      return { json: result, markdown: lazyEditsMarkdown(result) };
    },
  },
  gateway: {
    description: "spark serve vs @portkey-ai/gateway over one fast upstream on loopback: added latency, single-stream throughput, 1,000 concurrent streams",
    run: async (args, log) => {
      const result = await runGateway(
        { ...GATEWAY_DEFAULTS, rounds: args.cases ?? GATEWAY_DEFAULTS.rounds, timeBudgetS: args.timeBudgetS ?? GATEWAY_DEFAULTS.timeBudgetS },
        log,
      );
      return { json: result, markdown: gatewayMarkdown(result) };
    },
  },
  "gateway-relay": {
    description: "CPU time of the built gateway per 1,000 streamed tokens while it relays a paced upstream at 5,000 tokens/s: Chat Completions SSE passed through, Responses SSE translated",
    run: async (args, log) => {
      // --cases N: rounds (default 3), the modes alternating within each.
      const result = await runRelayCpu({ ...RELAY_DEFAULTS, rounds: args.cases ?? RELAY_DEFAULTS.rounds }, log);
      return { json: result, markdown: relayCpuMarkdown(result) };
    },
  },
  lsp: {
    description: "the editor's first keystrokes on the real spark lsp over stdio with the tiny test model: first suggestion after opening a file (cold: a fresh process, typing while the model loads; warm), and per-keystroke latency",
    run: async (args, log) => {
      // --cases N: warm rounds (default 10).
      const result = await runLspBench({ coldRounds: LSP_DEFAULTS.coldRounds, warmRounds: args.cases ?? LSP_DEFAULTS.warmRounds, threads: 1 }, log);
      return { json: result, markdown: lspMarkdown(result) };
    },
  },
  vscode: {
    description: "inside VS Code (code-server 4.139.1, headless Chromium, the packaged extension, tiny test model): first suggestion after opening a file, cold and warm, and per-keystroke latency",
    run: async (args, log) => {
      // --cases N: keystrokes timed (default 12).
      const result = await runVscodeBench(log, args.cases ?? VSCODE_DEFAULTS.keystrokes);
      return { json: result, markdown: vscodeMarkdown(result) };
    },
  },
  context: {
    description: "compaction on the local engine: prompt tokens evaluated when a session is compacted and goes on, KV cache kept vs a cold rebuild",
    run: async (_args, log) => {
      const result = await runContextBench(log);
      return { json: result, markdown: contextMarkdown(result) };
    },
  },
  kv: {
    description: "the local engine's KV cache across restarts: TTFT of a new process's first agent call, cold vs the state an earlier process saved (shared prefix, resumed conversation), on the chain test model",
    run: async (args, log) => {
      // --cases N: rounds (default 3); each row is the median.
      const result = await runKvBench({ rounds: args.cases ?? 3 }, log);
      return { json: result, markdown: kvMarkdown(result) };
    },
  },
  session: {
    description: "the interactive session in a pseudo-terminal at 5,000 tokens/s: frame times and token-to-screen lag, batched vs naive rendering",
    run: async (args, log) => {
      // --time-budget S: seconds of streaming per render path (at most 20, the issue's figure).
      const seconds = Math.max(1, Math.min(SESSION_DEFAULTS.seconds, args.timeBudgetS ?? SESSION_DEFAULTS.seconds));
      const result = await runSessionBench({ tokensPerSecond: SESSION_DEFAULTS.tokensPerSecond, seconds }, log);
      return { json: result, markdown: sessionMarkdown(result) };
    },
  },
  "eval-harness": {
    description: "spark eval's own cost outside the model: overhead per task, and a 20-task polyglot fixture suite with --jobs 2 (built CLI, scripted upstream)",
    run: async (_args, log) => {
      const result = await runEvalHarness(log);
      return { json: result, markdown: evalHarnessMarkdown(result) };
    },
  },
  web: {
    description: "the web UI: page size (initial and Mermaid's lazy chunks) and frame times in headless Chromium while 5,000 tokens/s of markdown with live blocks stream through the gateway",
    run: async (args, log) => {
      // --time-budget S: seconds of streaming (default 10).
      const result = await runWebBench({ tokensPerSecond: WEB_DEFAULTS.tokensPerSecond, seconds: Math.max(1, args.timeBudgetS ?? WEB_DEFAULTS.seconds) }, log);
      return { json: result, markdown: webMarkdown(result) };
    },
  },
  "web-trace": {
    description: "the web UI's live-blocks pass under Chromium's tracing: each frame task's CPU (thread time, steady on a loaded machine) and wall time, CPU per frame by phase (script, style, layout, paint, commit), the busiest threads",
    run: async (args, log) => {
      // --time-budget S: seconds of streaming (default 10).
      const result = await runFrameTrace({ tokensPerSecond: WEB_DEFAULTS.tokensPerSecond, seconds: Math.max(1, args.timeBudgetS ?? WEB_DEFAULTS.seconds) }, log);
      return { json: result, markdown: frameTraceMarkdown(result) };
    },
  },
  startup: {
    description: "start-up of the built CLI against node -e 0: --version, --help, apply --check on a 1,000-line file, lsp and mcp answering initialize, first byte of a local model",
    run: async (args, log) => {
      // --cases N: runs per command (default 5).
      const result = await runStartup({ runs: args.cases ?? STARTUP_DEFAULTS.runs }, log);
      return { json: result, markdown: startupMarkdown(result) };
    },
  },
  pools: {
    description: "upstream pools on real engines: 3 spark serve replicas of the tiny test model behind a fourth, 16 conversations (agent-shaped: each with its own large context; and short) routed round-robin, least-loaded and by affinity (prompt tokens evaluated, cache hits, TTFT, total), then failover after kill -9",
    run: async (args, log) => {
      // --cases N: turns per conversation (default 10).
      const result = await runPoolsBench({ ...POOLS_DEFAULTS, turns: args.cases ?? POOLS_DEFAULTS.turns }, log);
      return { json: result, markdown: poolsMarkdown(result) };
    },
  },
  websocket: {
    description: "a 20-tool-call rollout on the local engine through spark serve: HTTP with the full history vs the Responses WebSocket (previous_response_id, with and without a prewarm): tokens evaluated, TTFT and end-to-end time; then a redirect: response.steer against abort-and-resend",
    run: async (args, log) => {
      // --cases N: tool calls in the rollout (default 20).
      const result = await runWebsocketBench({ steps: args.cases ?? WEBSOCKET_DEFAULTS.steps, maxOutputTokens: WEBSOCKET_DEFAULTS.maxOutputTokens }, log);
      return { json: result, markdown: websocketMarkdown(result) };
    },
  },
  "socket-sink": {
    description: "CPU time of the Responses WebSocket sink on a burst of 300 text deltas over a loopback socket: encoder events and forwarded upstream frames, for a plain client, a stream_id lane and the coalescing web page",
    run: async (args, log) => {
      // --cases N: bursts per variant (default 200).
      const result = await runSinkBurstBench({ chunks: SINK_BURST_DEFAULTS.chunks, rounds: args.cases ?? SINK_BURST_DEFAULTS.rounds }, log);
      return { json: result, markdown: sinkBurstMarkdown(result) };
    },
  },
};

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "results");

function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown CPU",
    cores: typeof availableParallelism === "function" ? availableParallelism() : list.length,
    node: process.version,
    date: new Date().toISOString(),
  };
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { workloads: [], cases: undefined, seed: undefined, timeBudgetS: undefined, shape: undefined, quant: undefined, gpu: false, threads: undefined, maxTokens: undefined };
  const number = (flag: string, value: string | undefined): number => {
    const parsed = Number(value);
    if (value === undefined || !Number.isFinite(parsed) || parsed < 0) throw new Error(`${flag} expects a non-negative number`);
    return parsed;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--cases") args.cases = Math.min(100_000, Math.max(1, Math.floor(number(arg, argv[++i]))));
    else if (arg === "--seed") args.seed = Math.floor(number(arg, argv[++i]));
    else if (arg === "--time-budget") args.timeBudgetS = Math.min(3600, number(arg, argv[++i]));
    else if (arg === "--shape") args.shape = shapeArg(argv[++i]);
    else if (arg === "--quant") args.quant = quantArg(argv[++i]);
    else if (arg === "--gpu") args.gpu = gpuArg(argv[++i]);
    else if (arg === "--threads") args.threads = (argv[++i] ?? "").split(",").map((value) => Math.min(256, Math.max(1, Math.floor(number(arg, value)))));
    else if (arg === "--max-tokens") args.maxTokens = Math.min(4096, Math.max(1, Math.floor(number(arg, argv[++i]))));
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}`);
    else args.workloads.push(arg);
  }
  return args;
}

function shapeArg(value: string | undefined): ShapeName {
  if (value !== undefined && isShapeName(value)) return value;
  throw new Error(`--shape expects one of ${Object.keys(SHAPES).join(", ")}`);
}

function quantArg(value: string | undefined): ShapeQuant {
  if (value !== undefined && isShapeQuant(value)) return value;
  throw new Error(`--quant expects one of ${SHAPE_QUANTS.join(", ")}`);
}

function gpuArg(value: string | undefined): boolean {
  if (value === "cuda") return true;
  throw new Error("--gpu expects cuda (the only GPU build the bench checks for)");
}

/** The options that only `speed --shape` reads must not be silently ignored elsewhere. */
function checkShapeOptions(args: Args, names: readonly string[]): void {
  const shapeOnly = args.quant !== undefined || args.gpu || args.threads !== undefined || args.maxTokens !== undefined;
  if (shapeOnly && args.shape === undefined) throw new Error("--quant, --gpu, --threads and --max-tokens need --shape");
  if (args.shape !== undefined && names.some((name) => name !== "speed")) throw new Error("--shape applies to the speed workload only: npm run bench -- speed --shape ...");
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  const names = args.workloads.length > 0 ? args.workloads : Object.keys(WORKLOADS);
  try {
    checkShapeOptions(args, names);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  // `edits` covers every edit format; lazy edits write their own page (edits-lazy.md).
  if (names.includes("edits") && !names.includes("edits-lazy")) names.push("edits-lazy");
  const unknown = names.filter((name) => WORKLOADS[name] === undefined);
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown workload ${unknown.join(", ")}; known: ${Object.keys(WORKLOADS).join(", ")}\n`);
    return 2;
  }
  const host = machine();
  const label = `${host.cpu}, ${host.cores} cores, Node ${host.node}, ${host.date}`;
  await mkdir(RESULTS_DIR, { recursive: true });
  for (const name of names) {
    const workload = WORKLOADS[name];
    if (workload === undefined) continue;
    const log = (line: string): void => void process.stdout.write(`${line}\n`);
    log(`bench ${name}: ${workload.description}`);
    const started = performance.now();
    let outcome: Awaited<ReturnType<Workload["run"]>>;
    try {
      outcome = await workload.run(args, log);
    } catch (error) {
      // A workload that cannot run (no GPU for --gpu cuda, a model that fails to load) says why, without a stack.
      process.stderr.write(`bench ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
    const { json, markdown, name: resultName = name } = outcome;
    const seconds = (performance.now() - started) / 1000;
    await writeFile(join(RESULTS_DIR, `${resultName}.json`), `${JSON.stringify({ workload: resultName, machine: host, seconds: Number(seconds.toFixed(1)), result: json }, null, 2)}\n`);
    const page = `# Benchmark: ${resultName}\n\nMachine: ${label}. Run time ${seconds.toFixed(1)} s.\n\n${markdown}`;
    await writeFile(join(RESULTS_DIR, `${resultName}.md`), page);
    log(page);
  }
  return 0;
}

process.exitCode = await main();
