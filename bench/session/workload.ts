import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startPacedServer } from "./paced-server.js";
import { startPtyRun } from "./pty-run.js";

/**
 * `npm run bench -- session`: the real `spark` session in a pseudo-terminal, fed 5,000 tokens/s by a
 * paced OpenAI-compatible server for up to 20 s, once per render path: batched (the default), static
 * (finished lines through Ink's <Static>) and naive (every delta re-renders the whole transcript), chosen
 * with SPARK_SESSION_RENDER. Measures frame
 * times inside the session (SPARK_SESSION_TRACE), the lag from a line's marker leaving the server to
 * its first appearance in the terminal output, and how long Esc takes to stop the stream at the end.
 */

export const SESSION_DEFAULTS = { tokensPerSecond: 5_000, seconds: 20, columns: 120, rows: 40 } as const;

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sparkBin = join(repoRoot, "bin", "spark.js");

type Mode = "batched" | "static" | "naive";

interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

interface LagWindow {
  fromS: number;
  toS: number;
  shown: number;
  p50: number;
  p95: number;
  max: number;
}

export interface ModeResult {
  mode: Mode;
  tokensSent: number;
  streamedS: number;
  markersSent: number;
  markersShown: number;
  lagMs: Percentiles;
  lagWindows: LagWindow[];
  /** Least-squares slope of lag against send time: ~0 when the lag stays flat. */
  lagSlopeMsPerS: number;
  frameMs: Percentiles;
  framesPerS: number;
  inkRenderMs: Percentiles;
  eventLoopDelayMs: { p50: number; p95: number; p99: number; max: number } | undefined;
  interrupt: { escToServerStopMs: number | undefined; escToScreenMs: number | undefined; inSessionStopMs: number | undefined };
  terminalMB: number;
  notes: string[];
}

export interface SessionBenchResult {
  tokensPerSecond: number;
  seconds: number;
  terminal: string;
  modes: ModeResult[];
}

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  const round = (value: number) => Number(value.toFixed(2));
  return { count: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? Number.NaN) };
}

function slope(points: readonly [number, number][]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? 0 : Number((covariance / variance).toFixed(2));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(2);
  }
  return true;
}

interface Trace {
  frames: { at: number; ms: number; deltas: number; oldestDeltaMs: number }[];
  inkRenderMs: number[];
  interrupts: { at: number; stoppedMs: number | undefined }[];
  eventLoopDelayMs: { p50: number; p95: number; p99: number; max: number };
}

async function runMode(mode: Mode, options: { tokensPerSecond: number; seconds: number }, log: (line: string) => void): Promise<ModeResult> {
  const dir = mkdtempSync(join(tmpdir(), `spark-bench-session-${mode}-`));
  const traceFile = join(dir, "trace.json");
  const streamMs = options.seconds * 1000;
  const server = await startPacedServer({ tokensPerSecond: options.tokensPerSecond, maxMs: streamMs + 60_000 });
  const env = { PATH: process.env.PATH ?? "", HOME: dir, SPARK_HOME: join(dir, ".spark"), TERM: "xterm-256color", SPARK_SESSION_RENDER: mode, SPARK_SESSION_TRACE: traceFile };
  const run = startPtyRun([process.execPath, sparkBin, "--base-url", server.url, "-m", "bench"], { cwd: dir, env, columns: SESSION_DEFAULTS.columns, rows: SESSION_DEFAULTS.rows });
  const notes: string[] = [];
  let escAt: number | undefined;
  let screenAt: number | undefined;
  let tokensBeforeEsc = 0;
  try {
    await run.waitForText("● ready", 30_000);
    run.write("write the plan");
    await sleep(50);
    run.write("\r");
    if (!(await until(() => server.streamStartedAt !== undefined, 30_000))) throw new Error("the session never called the model");
    log(`  ${mode}: streaming ${options.tokensPerSecond} tokens/s for ${options.seconds} s…`);
    await until(() => performance.now() - (server.streamStartedAt as number) >= streamMs || server.disconnectedAt !== undefined, streamMs + 1000);
    const interrupted = run.waitForText("⏹ interrupted", 45_000).catch(() => {
      notes.push("Esc: the interrupt had not shown on screen after 45 s");
      return undefined;
    });
    escAt = performance.now();
    tokensBeforeEsc = server.tokensSent;
    run.write("\u001B");
    if (!(await until(() => server.disconnectedAt !== undefined, 45_000))) notes.push("Esc: the stream was still open after 45 s");
    screenAt = await interrupted;
    await sleep(200);
    run.write("/quit\r");
    const code = await Promise.race([run.exited, sleep(15_000).then(() => "timeout" as const)]);
    if (code === "timeout") notes.push("the session had not exited 15 s after /quit and was killed (frame figures from its last trace snapshot)");
  } finally {
    // Whatever happened, nothing of this run outlives it (a session left streaming would skew the next one).
    run.kill();
    await server.close();
  }
  const trace = existsSync(traceFile) ? (JSON.parse(readFileSync(traceFile, "utf8")) as Trace) : undefined;
  const start = server.streamStartedAt ?? 0;
  const cutoff = escAt ?? Number.POSITIVE_INFINITY;
  const lags: [number, number][] = [];
  let markersSent = 0;
  for (const [marker, sentAt] of server.markerSentAt) {
    if (sentAt > cutoff) continue;
    markersSent++;
    const seenAt = run.markerSeenAt.get(marker);
    if (seenAt !== undefined) lags.push([(sentAt - start) / 1000, seenAt - sentAt]);
  }
  const windowS = Math.max(1, Math.round(options.seconds / 10));
  const lagWindows: LagWindow[] = [];
  for (let from = 0; from < options.seconds; from += windowS) {
    const inWindow = lags.filter(([t]) => t >= from && t < from + windowS).map(([, lag]) => lag);
    const stats = percentiles(inWindow);
    lagWindows.push({ fromS: from, toS: from + windowS, shown: inWindow.length, p50: stats.p50, p95: stats.p95, max: stats.max });
  }
  const streamingFrames = trace?.frames.filter((frame) => frame.deltas > 0) ?? [];
  const streamedS = ((escAt ?? performance.now()) - start) / 1000;
  return {
    mode,
    tokensSent: tokensBeforeEsc,
    streamedS: Number(streamedS.toFixed(2)),
    markersSent,
    markersShown: lags.length,
    lagMs: percentiles(lags.map(([, lag]) => lag)),
    lagWindows,
    lagSlopeMsPerS: slope(lags),
    frameMs: percentiles(streamingFrames.map((frame) => frame.ms)),
    framesPerS: Number((streamingFrames.length / Math.max(0.001, streamedS)).toFixed(1)),
    inkRenderMs: percentiles(trace?.inkRenderMs ?? []),
    eventLoopDelayMs: trace?.eventLoopDelayMs,
    interrupt: {
      escToServerStopMs: escAt !== undefined && server.disconnectedAt !== undefined ? Number((server.disconnectedAt - escAt).toFixed(1)) : undefined,
      escToScreenMs: escAt !== undefined && screenAt !== undefined ? Number((screenAt - escAt).toFixed(1)) : undefined,
      inSessionStopMs: trace?.interrupts[0]?.stoppedMs === undefined ? undefined : Number(trace.interrupts[0].stoppedMs.toFixed(1)),
    },
    terminalMB: Number((run.bytes() / 1_048_576).toFixed(1)),
    notes,
  };
}

export async function runSessionBench(options: { tokensPerSecond: number; seconds: number }, log: (line: string) => void): Promise<SessionBenchResult> {
  if (!existsSync(join(repoRoot, "dist", "cli", "session", "open-session.js"))) throw new Error("build first: npm run build (the benchmark runs the real bin/spark.js)");
  const modes: ModeResult[] = [];
  for (const mode of ["batched", "static", "naive"] as const) modes.push(await runMode(mode, options, log));
  return { tokensPerSecond: options.tokensPerSecond, seconds: options.seconds, terminal: `${SESSION_DEFAULTS.columns}x${SESSION_DEFAULTS.rows}`, modes };
}

const fmt = (value: number | undefined, digits = 1): string => (value === undefined || Number.isNaN(value) ? "–" : value.toFixed(digits));

export function sessionMarkdown(result: SessionBenchResult): string {
  const { modes } = result;
  if (modes.length === 0) return "No results.\n";
  const head = `| | ${modes.map((mode) => mode.mode).join(" | ")} |`;
  const rule = `| --- |${modes.map(() => " --- |").join("")}`;
  const row = (label: string, pick: (mode: ModeResult) => string) => `| ${label} | ${modes.map(pick).join(" | ")} |`;
  const lines = [
    `The real session (\`bin/spark.js\`, Ink) in a ${result.terminal} pseudo-terminal (util-linux \`script\`), fed ${result.tokensPerSecond.toLocaleString("en-US")} tokens/s (one SSE event per token) by a paced OpenAI-compatible server on loopback for up to ${result.seconds} s, then interrupted with Esc. Render paths: **batched** (the default: deltas batched to 60 frames/s, finished lines written once through Ink's static-output writer, only the live line redrawn), **static** (the same batching, finished lines through Ink's \`<Static>\`), **naive** (every delta re-renders the whole transcript). Lag: from a line's marker token leaving the server to its first byte on the terminal. Frame: the session's own time to draw one frame (React render and commit, Ink render and write), frames with new text only.`,
    "",
    head,
    rule,
    row("tokens sent / seconds streamed", (m) => `${m.tokensSent.toLocaleString("en-US")} / ${fmt(m.streamedS)}`),
    row("lines shown / sent before Esc", (m) => `${m.markersShown} / ${m.markersSent}`),
    row("lag p50 / p95 / max (ms)", (m) => `${fmt(m.lagMs.p50)} / ${fmt(m.lagMs.p95)} / ${fmt(m.lagMs.max)}`),
    row("lag trend (ms per s of streaming)", (m) => fmt(m.lagSlopeMsPerS, 2)),
    row("frame p50 / p95 / p99 / max (ms)", (m) => `${fmt(m.frameMs.p50, 2)} / ${fmt(m.frameMs.p95, 2)} / ${fmt(m.frameMs.p99, 2)} / ${fmt(m.frameMs.max, 2)}`),
    row("frames per second", (m) => fmt(m.framesPerS)),
    row("Ink render p95 (ms)", (m) => fmt(m.inkRenderMs.p95, 2)),
    row("event loop delay p95 / max (ms)", (m) => `${fmt(m.eventLoopDelayMs?.p95)} / ${fmt(m.eventLoopDelayMs?.max)}`),
    row("Esc → stream closed (ms)", (m) => fmt(m.interrupt.escToServerStopMs)),
    row("Esc → \"interrupted\" on screen (ms)", (m) => fmt(m.interrupt.escToScreenMs)),
    row("Esc → generation stopped, in session (ms)", (m) => fmt(m.interrupt.inSessionStopMs)),
    row("bytes written to the terminal (MB)", (m) => fmt(m.terminalMB)),
    "",
    "Lag over the run (p50 / p95 ms, lines shown, per window of send time):",
    "",
    head.replace("| |", "| seconds |"),
    rule,
    ...(modes[0]?.lagWindows ?? []).map((window, index) => {
      const cell = (w: LagWindow | undefined) => (w && w.shown > 0 ? `${fmt(w.p50)} / ${fmt(w.p95)} (${w.shown})` : "none shown");
      return `| ${window.fromS}–${window.toS} | ${modes.map((mode) => cell(mode.lagWindows[index])).join(" | ")} |`;
    }),
    "",
  ];
  const notes = modes.flatMap((mode) => mode.notes.map((note) => `- ${mode.mode}: ${note}`));
  if (notes.length > 0) lines.push("Notes:", "", ...notes, "");
  return `${lines.join("\n")}\n`;
}
