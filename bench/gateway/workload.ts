/**
 * The `gateway` workload: what a gateway adds on loopback, Spark beside Portkey's gateway, both proxying
 * one fast upstream (bench/gateway/fast-upstream.ts), each in its own process.
 *
 * 1. Added latency: sequential requests, one at a time, round-robin over direct / Spark / Portkey (the
 *    order rotates every round, so drift and warm-up hit every target alike); non-streaming (16 tokens
 *    in a JSON answer) and streaming (16 token frames: time to the first token and to the end).
 *    Added = the target's percentile minus the direct call's.
 * 2. Single-stream throughput: one stream of many tokens written as fast as the upstream can.
 * 3. Concurrent streams: N streams opened at once; the upstream holds each after its first frame until
 *    all N are in flight together, then paces their tokens PACE_MS apart. A stream is intact when it
 *    answers 200 with every token and `[DONE]`.
 * 4. The SQLite bucket alone, in process: reserve + settle with the keyed gateway's limits.
 */
import { execFileSync } from "node:child_process";
import { setMaxListeners } from "node:events";
import http from "node:http";
import { availableParallelism, loadavg } from "node:os";
import { DEFAULT_TOKENS, HOLD_TIMEOUT_MS, type UpstreamStats } from "./fast-upstream.js";
import { measureBucket, type BucketResult } from "./bucket-cost.js";
import { chatBody, getJson, timeRequest, type Target, type Timing } from "./load-client.js";
import { median, round, summarize, type Summary } from "./stats.js";
import { PACE_MS, REPO_ROOT, startFleet } from "./targets.js";

export interface GatewayOptions {
  /** Rounds (one request per target) per latency mode, at most. */
  rounds: number;
  /** Seconds per latency mode, at most. */
  timeBudgetS: number;
  throughputTokens: number;
  throughputRuns: number;
  streams: number;
  streamTokens: number;
  /** Concurrent-stream runs per target (all targets once, then again). */
  concurrencyRuns: number;
}

export const GATEWAY_DEFAULTS: GatewayOptions = { rounds: 3000, timeBudgetS: 25, throughputTokens: 200_000, throughputRuns: 3, streams: 1000, streamTokens: 20, concurrencyRuns: 2 };

export interface LatencyRow {
  target: string;
  label: string;
  total: Summary;
  /** Streaming only: time to the first token. */
  ttft: Summary | undefined;
  errors: number;
  firstError: string | undefined;
}

export interface ThroughputRow {
  target: string;
  label: string;
  tokens: number;
  /** tokens / (end - request start), per run. */
  tokensPerSecond: number[];
  medianTokensPerSecond: number;
  intactRuns: number;
}

export interface ConcurrencyRow {
  target: string;
  label: string;
  run: number;
  streams: number;
  intact: number;
  lostStreams: number;
  lostTokens: number;
  maxOpenAtClient: number;
  maxActiveAtUpstream: number;
  /** From the first stream reaching the upstream until all were in flight at once. */
  allOpenAfterMs: number | null;
  /** Streams the upstream let go on because not all were ever in flight together. */
  holdTimeouts: number;
  wallSeconds: number;
  /** Intact streams: first token to last (ideally (streamTokens - 1) * PACE_MS). */
  firstToLastToken: Summary;
  errors: Record<string, number>;
}

export interface GatewayResult {
  options: GatewayOptions;
  commit: string;
  cores: number;
  /** The machine's 1-minute load average when the run started and when it ended (other work on it shows here). */
  loadAverage: { start: number; end: number };
  versions: Record<string, string>;
  processes: { name: string; pid: number }[];
  nonStreaming: LatencyRow[];
  streaming: LatencyRow[];
  throughput: ThroughputRow[];
  concurrency: ConcurrencyRow[];
  bucket: BucketResult;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function commitLabel(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: REPO_ROOT, encoding: "utf8" }).trim() !== "";
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return "unknown";
  }
}

/** Round-robin sequential requests; the first `warmup` rounds are not recorded. */
async function latency(targets: Target[], stream: boolean, options: GatewayOptions, warmup: number, log: (line: string) => void): Promise<LatencyRow[]> {
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const bodies = targets.map((target) => chatBody(target.fast.model, DEFAULT_TOKENS, stream));
  const totals: number[][] = targets.map(() => []);
  const ttfts: number[][] = targets.map(() => []);
  const errors = targets.map(() => ({ count: 0, first: undefined as string | undefined }));
  const deadline = performance.now() + options.timeBudgetS * 1000;
  let rounds = 0;
  for (let round = 0; round < warmup + options.rounds; round++) {
    if (round >= warmup && performance.now() > deadline) break;
    for (let step = 0; step < targets.length; step++) {
      const index = (round + step) % targets.length;
      const target = targets[index]!;
      const timing = await timeRequest(agents[index]!, target.fast, bodies[index]!);
      if (round < warmup) continue;
      const problem = check(timing, stream, DEFAULT_TOKENS);
      if (problem) {
        errors[index]!.count++;
        errors[index]!.first ??= problem;
        continue;
      }
      totals[index]!.push(timing.endedAt - timing.startedAt);
      if (stream && timing.firstTokenAt !== undefined) ttfts[index]!.push(timing.firstTokenAt - timing.startedAt);
    }
    if (round >= warmup) rounds++;
  }
  for (const agent of agents) agent.destroy();
  log(`  ${stream ? "streaming" : "non-streaming"}: ${rounds} rounds after ${warmup} warm-up rounds`);
  return targets.map((target, index) => ({
    target: target.id,
    label: target.label,
    total: summarize(totals[index]!),
    ttft: stream ? summarize(ttfts[index]!) : undefined,
    errors: errors[index]!.count,
    firstError: errors[index]!.first,
  }));
}

function check(timing: Timing, stream: boolean, tokens: number): string | undefined {
  if (timing.error) return timing.error;
  if (timing.status !== 200) return `status ${timing.status}`;
  if (timing.tokens !== tokens) return `${timing.tokens} of ${tokens} tokens`;
  if (stream && !timing.done) return "no [DONE]";
  return undefined;
}

async function throughput(targets: Target[], options: GatewayOptions, log: (line: string) => void): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const target of targets) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const body = chatBody(target.fast.model, options.throughputTokens, true);
    const rates: number[] = [];
    let intact = 0;
    for (let run = 0; run < options.throughputRuns; run++) {
      const timing = await timeRequest(agent, target.fast, body);
      if (check(timing, true, options.throughputTokens) === undefined) intact++;
      rates.push(round(timing.tokens / ((timing.endedAt - timing.startedAt) / 1000), 0));
      await pause(200);
    }
    agent.destroy();
    const row = { target: target.id, label: target.label, tokens: options.throughputTokens, tokensPerSecond: rates, medianTokensPerSecond: median(rates), intactRuns: intact };
    log(`  ${target.id}: ${row.medianTokensPerSecond} tokens/s (runs: ${rates.join(", ")}; intact ${intact}/${options.throughputRuns})`);
    rows.push(row);
  }
  return rows;
}

async function concurrency(targets: Target[], upstreamUrl: string, options: GatewayOptions, log: (line: string) => void): Promise<ConcurrencyRow[]> {
  const rows: ConcurrencyRow[] = [];
  for (let run = 1; run <= options.concurrencyRuns; run++) {
    for (const target of targets) {
      const row = await concurrentStreams(target, run, upstreamUrl, options);
      log(`  ${target.id} (run ${run}): ${row.intact}/${row.streams} intact, ${row.lostTokens} tokens lost, ${row.maxActiveAtUpstream} in flight at once at the upstream (all after ${row.allOpenAfterMs} ms), ${row.wallSeconds} s`);
      rows.push(row);
      await pause(1000);
    }
  }
  return rows;
}

async function concurrentStreams(target: Target, run: number, upstreamUrl: string, options: GatewayOptions): Promise<ConcurrencyRow> {
  await getJson<UpstreamStats>(`${upstreamUrl}/stats/reset`);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const body = chatBody(target.paced.model, options.streamTokens, true);
  const deadline = new AbortController();
  setMaxListeners(options.streams + 10, deadline.signal);
  // The hold, then streamTokens * PACE_MS; half a minute more is far past any healthy run.
  const timer = setTimeout(() => deadline.abort(), HOLD_TIMEOUT_MS + options.streamTokens * PACE_MS + 30_000);
  let open = 0;
  let maxOpen = 0;
  const hooks = {
    signal: deadline.signal,
    onHeaders: () => void (maxOpen = Math.max(maxOpen, ++open)),
    onEnd: () => void open--,
  };
  const started = performance.now();
  const timings = await Promise.all(Array.from({ length: options.streams }, () => timeRequest(agent, target.paced, body, hooks)));
  const wallSeconds = (performance.now() - started) / 1000;
  clearTimeout(timer);
  agent.destroy();
  const stats = await getJson<UpstreamStats>(`${upstreamUrl}/stats`);
  const errors: Record<string, number> = {};
  let lostTokens = 0;
  const intact: Timing[] = [];
  for (const timing of timings) {
    const problem = check(timing, true, options.streamTokens);
    lostTokens += Math.max(0, options.streamTokens - timing.tokens);
    if (problem === undefined) intact.push(timing);
    else errors[problem] = (errors[problem] ?? 0) + 1;
  }
  return {
    target: target.id,
    label: target.label,
    run,
    streams: options.streams,
    intact: intact.length,
    lostStreams: options.streams - intact.length,
    lostTokens,
    maxOpenAtClient: maxOpen,
    maxActiveAtUpstream: stats.maxActive,
    allOpenAfterMs: stats.holdReleasedAfterMs,
    holdTimeouts: stats.holdTimeouts,
    wallSeconds: round(wallSeconds, 2),
    firstToLastToken: summarize(intact.flatMap((timing) => (timing.firstTokenAt === undefined ? [] : [timing.endedAt - timing.firstTokenAt]))),
    errors,
  };
}

export async function runGateway(options: GatewayOptions, log: (line: string) => void): Promise<GatewayResult> {
  const loadAtStart = round(loadavg()[0] ?? 0, 2);
  log("starting the upstream, a bare proxy, two Spark gateways and Portkey (separate processes, 127.0.0.1)");
  const fleet = await startFleet(log, options.streams);
  try {
    const { targets } = fleet;
    log("added latency, non-streaming");
    const nonStreaming = await latency(targets, false, options, 300, log);
    log("added latency, streaming");
    const streaming = await latency(targets, true, options, 50, log);
    log(`single-stream throughput (${options.throughputTokens} tokens, ${options.throughputRuns} runs)`);
    const throughput_ = await throughput(targets, options, log);
    log(`${options.streams} concurrent streams (${options.streamTokens} tokens each, ${PACE_MS} ms apart)`);
    const concurrency_ = await concurrency(targets, fleet.upstream.url, options, log);
    await fleet.stop();
    log("the SQLite bucket alone (in process)");
    const bucket = await measureBucket(log);
    return {
      options,
      commit: commitLabel(),
      cores: availableParallelism(),
      loadAverage: { start: loadAtStart, end: round(loadavg()[0] ?? 0, 2) },
      versions: fleet.versions,
      processes: fleet.processes.map((server) => ({ name: server.name, pid: server.pid })),
      nonStreaming,
      streaming,
      throughput: throughput_,
      concurrency: concurrency_,
      bucket,
    };
  } finally {
    await fleet.stop();
  }
}
