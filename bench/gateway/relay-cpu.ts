import http from "node:http";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startGateway, type GatewayProcess } from "../../test/support/gateway-process.js";
import { tempDir } from "../../test/support/run-spark.js";
import { startPacedMarkdownServer, type PacedMarkdownServer } from "../web/paced-markdown-server.js";

/**
 * `npm run bench -- gateway-relay`: the CPU time the built gateway (`spark serve`) spends relaying a paced
 * upstream's stream (the web bench's: 5,000 tokens/s, one SSE frame per token, written every millisecond),
 * per 1,000 streamed tokens, for each way a client reads it. CPU time (the process's utime + stime from
 * /proc), not wall time: it barely moves when other work loads the machine, so builds compare on a busy box.
 */

export const RELAY_DEFAULTS = { tokensPerSecond: 5_000, seconds: 5, rounds: 3 } as const;

interface RelayMode {
  name: string;
  description: string;
  path: string;
  body: (model: string) => Record<string, unknown>;
}

const MODES: RelayMode[] = [
  {
    name: "chat-sse",
    description: "POST /v1/chat/completions, stream: the upstream's frames passed through (usage frame asked for and stripped)",
    path: "/v1/chat/completions",
    body: (model) => ({ model, stream: true, messages: [{ role: "user", content: "stream the benchmark answer" }] }),
  },
  {
    name: "responses-sse",
    description: "POST /v1/responses, stream, on the same Chat Completions upstream: translated to Responses events",
    path: "/v1/responses",
    body: (model) => ({ model, stream: true, input: "stream the benchmark answer" }),
  },
];

export interface RelayRow {
  mode: string;
  description: string;
  /** One entry per round. */
  tokens: number[];
  cpuMs: number[];
  cpuMsPer1000Tokens: number[];
  /** The system (kernel) part of cpuMs: socket reads and writes. */
  systemMs: number[];
  clientBytes: number[];
}

export interface RelayResult {
  tokensPerSecond: number;
  seconds: number;
  idleCpuMsPerSecond: number;
  rows: RelayRow[];
}

/** The process's CPU time so far, from /proc: a child's own, which process.cpuUsage cannot read. */
function processCpu(pid: number): { totalMs: number; systemMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th of the line.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const msPerTick = 10;
  const systemMs = Number(fields[12]) * msPerTick;
  return { totalMs: Number(fields[11]) * msPerTick + systemMs, systemMs };
}

const processCpuMs = (pid: number) => processCpu(pid).totalMs;

/** Streams one answer through the gateway, reading every byte; resolves with the bytes read. */
function streamThrough(gatewayUrl: string, mode: RelayMode, model: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(mode.body(model));
    const request = http.request(`${gatewayUrl}${mode.path}`, { method: "POST", headers: { "content-type": "application/json" } }, (response) => {
      let bytes = 0;
      if (response.statusCode !== 200) reject(new Error(`${mode.path} answered ${response.statusCode}`));
      response.on("data", (chunk: Buffer) => (bytes += chunk.length));
      response.on("end", () => resolve(bytes));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(payload);
  });
}

async function measure(gateway: GatewayProcess, upstream: PacedMarkdownServer, mode: RelayMode, model: string): Promise<{ tokens: number; cpuMs: number; systemMs: number; bytes: number }> {
  const pid = gateway.child.pid ?? 0;
  const tokensBefore = upstream.tokensSent;
  const before = processCpu(pid);
  const bytes = await streamThrough(gateway.url, mode, model);
  const after = processCpu(pid);
  return { tokens: upstream.tokensSent - tokensBefore, cpuMs: after.totalMs - before.totalMs, systemMs: after.systemMs - before.systemMs, bytes };
}

export async function runRelayCpu(options: { tokensPerSecond: number; seconds: number; rounds: number }, log: (line: string) => void): Promise<RelayResult> {
  const upstream = await startPacedMarkdownServer({ tokensPerSecond: options.tokensPerSecond, seconds: options.seconds, proseSections: 8, liveBlocks: false });
  const project = tempDir("spark-relay-bench-");
  const home = tempDir("spark-relay-bench-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), `[models."relay"]\nbase_url = "${upstream.url}"\nmodel = "bench"\n`);
  const gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark"), ...(process.env.RELAY_NODE_OPTIONS ? { NODE_OPTIONS: process.env.RELAY_NODE_OPTIONS } : {}) });
  try {
    // A first stream warms the JIT and the upstream connection; it is not counted.
    for (const mode of MODES) await streamThrough(gateway.url, mode, "relay");
    const idleBefore = processCpuMs(gateway.child.pid ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idleCpuMsPerSecond = (processCpuMs(gateway.child.pid ?? 0) - idleBefore) / 2;
    const rows: RelayRow[] = MODES.map((mode) => ({ mode: mode.name, description: mode.description, tokens: [], cpuMs: [], cpuMsPer1000Tokens: [], systemMs: [], clientBytes: [] }));
    // Modes alternate within each round, so load from other work falls on each alike.
    for (let round = 0; round < options.rounds; round++) {
      for (const [i, mode] of MODES.entries()) {
        const row = rows[i] as RelayRow;
        const { tokens, cpuMs, systemMs, bytes } = await measure(gateway, upstream, mode, "relay");
        row.tokens.push(tokens);
        row.cpuMs.push(cpuMs);
        row.systemMs.push(systemMs);
        row.cpuMsPer1000Tokens.push(Number(((cpuMs * 1000) / Math.max(1, tokens)).toFixed(2)));
        row.clientBytes.push(bytes);
        log(`${mode.name} round ${round + 1}: ${tokens} tokens, gateway CPU ${cpuMs} ms (${row.cpuMsPer1000Tokens.at(-1)} ms per 1,000 tokens)`);
      }
    }
    return { tokensPerSecond: options.tokensPerSecond, seconds: options.seconds, idleCpuMsPerSecond, rows };
  } finally {
    await gateway.stop();
    await upstream.close();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

export function relayCpuMarkdown(result: RelayResult): string {
  return [
    `The built gateway (\`spark serve\`) relays a paced Chat Completions upstream at ${result.tokensPerSecond.toLocaleString("en")} tokens/s for ${result.seconds} s per stream (one SSE frame per token, written each millisecond); a Node client reads every byte. CPU is the gateway process's user + system time (/proc, 10 ms ticks), median of the rounds; the idle gateway used ${result.idleCpuMsPerSecond} ms/s.`,
    "",
    "| mode | tokens | gateway CPU ms (rounds) | of which system | CPU ms per 1,000 tokens (median) | what |",
    "| --- | ---: | --- | --- | ---: | --- |",
    ...result.rows.map((row) => `| ${row.mode} | ${median(row.tokens)} | ${row.cpuMs.join(", ")} | ${row.systemMs.join(", ")} | ${median(row.cpuMsPer1000Tokens)} | ${row.description} |`),
    "",
  ].join("\n");
}
