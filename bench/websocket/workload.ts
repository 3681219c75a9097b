import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultThreads } from "../../src/models/providers/local/index.js";
import { startGateway } from "../../test/support/gateway-process.js";
import { tempDir } from "../../test/support/run-spark.js";
import { CHAIN_TEXT, ensureChainModel } from "../../test/support/tiny-gguf.js";
import { httpFullHistory, httpPreviousResponse, overSocket, type Rollout, type RolloutScript, type TurnFigures } from "./rollout.js";
import { redirectFromClient } from "./client-steer.js";
import { abortAndResend, conversation, steerOnSocket, type RedirectFigures } from "./steer.js";

/**
 * A 20-tool-call agent rollout on the local engine through the built `spark serve`: over HTTP with the
 * whole history each turn, and over the Responses WebSocket (incremental input with previous_response_id),
 * with and without a prewarm. Per turn: prompt tokens, tokens evaluated, TTFT and time; and end to end.
 */

export const WEBSOCKET_DEFAULTS = { steps: 20, maxOutputTokens: 16 } as const;

export interface ModeResult {
  mode: string;
  turns: TurnFigures[];
  endToEndMs: number;
  prewarmMs: number | null;
  /** Mean time per turn in the gateway outside the engine's call (spark_gateway_overhead_seconds over the mode). */
  overheadMs: number | null;
}

export interface WebsocketResult {
  model: string;
  threads: number;
  steps: number;
  maxOutputTokens: number;
  modes: ModeResult[];
  /** Redirecting a generating answer (after 8 tool outputs): steer on the socket against abort-and-resend over HTTP. */
  redirects?: { steer: RedirectFigures; abortAndResend: RedirectFigures; coldTtftMs: number; session?: { steerMs: number; abortAndResendMs: number } };
}

/** `run` starts the instructions, so that no mode finds another mode's conversation in the cache. */
function script(run: number, steps: number, maxOutputTokens: number): RolloutScript {
  const words = CHAIN_TEXT.trim().split(/\s+/);
  return {
    model: "bench",
    instructions: `Run ${run}. ${CHAIN_TEXT.slice(0, 600)}`,
    first: [{ role: "user", content: `Task: ${words.slice(0, 24).join(" ")}` }],
    toolOutput: (step) => ({ role: "user", content: `Tool output ${step}: ${words.slice((step * 11) % 200, ((step * 11) % 200) + 40).join(" ")}` }),
    steps,
    maxOutputTokens,
  };
}

/** The gateway's overhead histogram (every route) as /metrics has it now: seconds in all, and requests. */
async function overheadSeconds(baseUrl: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const total = (name: string) =>
    text
      .split("\n")
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
  return { sum: total("spark_gateway_overhead_seconds_sum"), count: total("spark_gateway_overhead_seconds_count") };
}

/**
 * Runs the rollouts taking turns, one request each, so that the load of a shared machine, which changes
 * over minutes, weighs on every mode alike. A mode's end-to-end time is the sum of its requests' times;
 * its gateway overhead comes from /metrics read around each of its requests.
 */
async function interleave(baseUrl: string, rollouts: { mode: string; steps: Rollout }[]): Promise<ModeResult[]> {
  const results = rollouts.map(({ mode }): ModeResult & { overheadSum: number; measured: number } => ({ mode, turns: [], endToEndMs: 0, prewarmMs: null, overheadMs: null, overheadSum: 0, measured: 0 }));
  let active = rollouts.map((rollout, index) => ({ ...rollout, result: results[index]! }));
  while (active.length > 0) {
    for (const rollout of [...active]) {
      const before = await overheadSeconds(baseUrl);
      const next = await rollout.steps.next();
      if (next.done) {
        active = active.filter((other) => other !== rollout);
        continue;
      }
      const after = await overheadSeconds(baseUrl);
      const { result } = rollout;
      result.endToEndMs += next.value.totalMs;
      if (next.value.prewarm) result.prewarmMs = next.value.totalMs;
      else result.turns.push(next.value);
      result.overheadSum += after.sum - before.sum;
      result.measured += after.count - before.count;
    }
  }
  return results.map(({ overheadSum, measured, ...result }) => ({ ...result, overheadMs: measured > 0 ? (overheadSum / measured) * 1000 : null }));
}

export async function runWebsocketBench(options: { steps: number; maxOutputTokens: number }, log: (line: string) => void): Promise<WebsocketResult> {
  const model = await ensureChainModel({ wide: true });
  const project = tempDir("spark-bench-ws-");
  const home = tempDir("spark-bench-ws-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ["[aliases]", `bench = "local:${model}"`, "[models.bench]", "context_size = 8192", "temperature = 0", ""].join("\n"));
  // One sequence per mode, so that modes taking turns never evict each other's conversation; no states on
  // disk (as `spark bench`), so that no save runs between turns.
  mkdirSync(join(home, ".spark"));
  writeFileSync(join(home, ".spark", "config.toml"), ["[local]", "sequences = 4", "kv_cache_max_bytes = 0", ""].join("\n"));
  const gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
  try {
    // The model loads on its first request: load it before any mode is timed.
    await fetch(`${gateway.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "bench", input: "warm up", max_output_tokens: 1 }) });
    const { steps, maxOutputTokens } = options;
    const modes = await interleave(gateway.url, [
      { mode: "HTTP, full history each turn", steps: httpFullHistory(gateway.url, script(1, steps, maxOutputTokens)) },
      { mode: "HTTP, previous_response_id (store: true)", steps: httpPreviousResponse(gateway.url, script(7, steps, maxOutputTokens)) },
      { mode: "WebSocket, previous_response_id", steps: overSocket(gateway.url, script(2, steps, maxOutputTokens), false) },
      { mode: "WebSocket, previous_response_id + prewarm", steps: overSocket(gateway.url, script(3, steps, maxOutputTokens), true) },
    ]);
    for (const mode of modes) log(`websocket: ${mode.mode} ${Math.round(mode.endToEndMs)} ms`);
    // A cold prefill of the redirect's conversation (a fresh run prefix): what a redirect that re-reads everything costs.
    const coldStarted = performance.now();
    const cold = await fetch(`${gateway.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "bench", instructions: script(6, 8, 1).instructions, input: [...script(6, 8, 1).first], max_output_tokens: 1 }) });
    await cold.text();
    const coldTtftMs = performance.now() - coldStarted;
    const steer = await steerOnSocket(gateway.url, script(4, options.steps, options.maxOutputTokens), 8);
    const resend = await abortAndResend(gateway.url, script(5, options.steps, options.maxOutputTokens), 8);
    log(`websocket: steer ${Math.round(steer.latencyMs)} ms, abort and resend ${Math.round(resend.latencyMs)} ms`);
    const [seven, eight] = [7, 8].map((run) => script(run, options.steps, options.maxOutputTokens)) as [RolloutScript, RolloutScript];
    const session = { steerMs: await redirectFromClient(gateway.url, seven, conversation(seven, 8), true), abortAndResendMs: await redirectFromClient(gateway.url, eight, conversation(eight, 8), false) };
    log(`websocket: from the session's client: steer ${Math.round(session.steerMs)} ms, abort and resend ${Math.round(session.abortAndResendMs)} ms`);
    return { model: "chain-wide.gguf (test model, 512 wide, 8 blocks, F32)", threads: defaultThreads(), steps: options.steps, maxOutputTokens: options.maxOutputTokens, modes, redirects: { steer, abortAndResend: resend, coldTtftMs, session } };
  } finally {
    await gateway.stop();
  }
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const mean = (values: number[]) => (values.length ? sum(values) / values.length : 0);

function redirectRows(result: WebsocketResult): string[] {
  const redirects = result.redirects;
  if (!redirects) return [];
  return [
    "Redirecting a generating answer (conversation: the first input and 8 tool outputs; the redirect is one user message):",
    "",
    "| redirect | new input sent → first token of its answer, ms | tokens evaluated for it |",
    "| --- | ---: | ---: |",
    `| response.steer on the socket | ${integer.format(redirects.steer.latencyMs)} | ${integer.format(redirects.steer.evaluated)} |`,
    `| abort the HTTP stream, POST the whole history again | ${integer.format(redirects.abortAndResend.latencyMs)} | ${integer.format(redirects.abortAndResend.evaluated)} |`,
    ...(redirects.session
      ? [
          `| steer from the session (Spark's client: ModelClient.steer on the socket) | ${integer.format(redirects.session.steerMs)} | - |`,
          `| the session's fallback (Spark's client: abort, stream again on the socket) | ${integer.format(redirects.session.abortAndResendMs)} | - |`,
        ]
      : []),
    "",
    `A cold prefill of the first input alone (a fresh prefix) took ${integer.format(redirects.coldTtftMs)} ms to its one token.`,
    "",
  ];
}

const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

function modeRow(mode: ModeResult, base: number): string {
  const later = mode.turns.slice(1);
  const speedup = base > 0 ? `${(((base - mode.endToEndMs) / base) * 100).toFixed(0)}%` : "-";
  const overhead = mode.overheadMs === null ? "-" : decimal.format(mode.overheadMs);
  return `| ${mode.mode} | ${integer.format(mode.turns[0]?.evaluated ?? 0)} | ${integer.format(mean(later.map((turn) => turn.evaluated)))} | ${integer.format(sum(mode.turns.map((turn) => turn.evaluated)))} | ${integer.format(mode.turns[0]?.ttftMs ?? 0)} | ${integer.format(mean(later.map((turn) => turn.ttftMs)))} | ${overhead} | ${integer.format(mode.endToEndMs)} | ${speedup} |`;
}

function perTurnLines(mode: ModeResult): string[] {
  return [
    `- ${mode.mode}${mode.prewarmMs !== null ? ` (prewarm ${integer.format(mode.prewarmMs)} ms)` : ""}:`,
    `  - prompt tokens evaluated per turn: ${mode.turns.map((turn) => turn.evaluated).join(", ")}`,
    `  - TTFT per turn, ms: ${mode.turns.map((turn) => integer.format(turn.ttftMs)).join(", ")}`,
  ];
}

export function websocketMarkdown(result: WebsocketResult): string {
  const base = result.modes[0]?.endToEndMs ?? 0;
  return [
    `Model: ${result.model}; ${result.threads} thread(s); ${result.steps} tool calls (${result.steps + 1} model turns), ${result.maxOutputTokens} output tokens per turn, temperature 0.`,
    "Each tool output is a user message of about 40 words; the full-history HTTP client sends the whole conversation every turn, the others only the new item.",
    "The modes take turns, one request each (so a shared machine's changing load weighs on all alike); end to end is the sum of a mode's request times, its prewarm included.",
    "Gateway overhead: a turn's time in the gateway outside the engine's call (spark_gateway_overhead_seconds: request time less the engine's own), mean per turn.",
    "",
    "| mode | turn 1: tokens evaluated | later turns: mean evaluated | all turns: evaluated | turn 1: TTFT ms | later turns: mean TTFT ms | gateway overhead ms/turn | end to end ms | faster than HTTP |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...result.modes.map((mode) => modeRow(mode, base)),
    "",
    ...result.modes.flatMap(perTurnLines),
    "",
    ...redirectRows(result),
  ].join("\n");
}
