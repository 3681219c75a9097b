import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultThreads } from "../../src/models/providers/local/index.js";
import { startGateway } from "../../test/support/gateway-process.js";
import { tempDir } from "../../test/support/run-spark.js";
import { CHAIN_TEXT, ensureChainModel } from "../../test/support/tiny-gguf.js";
import { httpFullHistory, overSocket, type RolloutScript, type TurnFigures } from "./rollout.js";
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

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

export async function runWebsocketBench(options: { steps: number; maxOutputTokens: number }, log: (line: string) => void): Promise<WebsocketResult> {
  const model = await ensureChainModel({ wide: true });
  const project = tempDir("spark-bench-ws-");
  const home = tempDir("spark-bench-ws-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ["[aliases]", `bench = "local:${model}"`, "[models.bench]", "context_size = 8192", "temperature = 0", ""].join("\n"));
  // The KV cache on disk off, as `spark bench` runs: its rows must be cold (and with it on, the gateway's prewarm
  // of the third mode fails with "Eval has failed" on main as of this writing).
  mkdirSync(join(home, ".spark"), { recursive: true });
  writeFileSync(join(home, ".spark", "config.toml"), "[local]\nkv_cache_max_bytes = 0\n");
  const gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
  try {
    // The model loads on its first request: load it before any mode is timed.
    await fetch(`${gateway.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "bench", input: "warm up", max_output_tokens: 1 }) });
    const modes: ModeResult[] = [];
    const http = await timed(() => httpFullHistory(gateway.url, script(1, options.steps, options.maxOutputTokens)));
    modes.push({ mode: "HTTP, full history each turn", turns: http.value, endToEndMs: http.ms, prewarmMs: null });
    log(`websocket: HTTP full history ${Math.round(http.ms)} ms`);
    for (const prewarm of [false, true]) {
      const socket = await timed(() => overSocket(gateway.url, script(prewarm ? 3 : 2, options.steps, options.maxOutputTokens), prewarm));
      modes.push({ mode: `WebSocket, previous_response_id${prewarm ? " + prewarm" : ""}`, turns: socket.value.turns, endToEndMs: socket.ms, prewarmMs: socket.value.prewarmMs });
      log(`websocket: socket${prewarm ? " + prewarm" : ""} ${Math.round(socket.ms)} ms`);
    }
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

export function websocketMarkdown(result: WebsocketResult): string {
  const base = result.modes[0]?.endToEndMs ?? 0;
  const rows = result.modes.map((mode) => {
    const later = mode.turns.slice(1);
    const speedup = base > 0 ? `${(((base - mode.endToEndMs) / base) * 100).toFixed(0)}%` : "-";
    return `| ${mode.mode} | ${integer.format(mode.turns[0]?.evaluated ?? 0)} | ${integer.format(mean(later.map((turn) => turn.evaluated)))} | ${integer.format(sum(mode.turns.map((turn) => turn.evaluated)))} | ${integer.format(mode.turns[0]?.ttftMs ?? 0)} | ${integer.format(mean(later.map((turn) => turn.ttftMs)))} | ${integer.format(mode.endToEndMs)} | ${speedup} |`;
  });
  const perTurn = result.modes.map((mode) => `- ${mode.mode}: evaluated per turn ${mode.turns.map((turn) => turn.evaluated).join(", ")}${mode.prewarmMs !== null ? ` (prewarm ${integer.format(mode.prewarmMs)} ms)` : ""}`);
  return [
    `Model: ${result.model}; ${result.threads} thread(s); ${result.steps} tool calls (${result.steps + 1} model turns), ${result.maxOutputTokens} output tokens per turn, temperature 0.`,
    "Each tool output is a user message of about 40 words; the HTTP client sends the whole conversation every turn, the socket only the new item.",
    "",
    "| mode | turn 1: tokens evaluated | later turns: mean evaluated | all turns: evaluated | turn 1: TTFT ms | later turns: mean TTFT ms | end to end ms | faster than HTTP |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    ...perTurn,
    "",
    ...redirectRows(result),
  ].join("\n");
}
