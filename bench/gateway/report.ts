/** The gateway workload's Markdown: one table per measurement, then the issue's targets for Spark. */
import { DEFAULT_TOKENS, HOLD_TIMEOUT_MS } from "./fast-upstream.js";
import { round, type Summary } from "./stats.js";
import { PACE_MS } from "./targets.js";
import type { ConcurrencyRow, GatewayResult, LatencyRow } from "./workload.js";

const ms = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? "-" : value.toFixed(3));
const signed = (value: number) => (Number.isNaN(value) ? "-" : `${value >= 0 ? "+" : ""}${value.toFixed(3)}`);
const count = (value: number) => Math.round(value).toLocaleString("en-US");

function added(rows: LatencyRow[], pick: (row: LatencyRow) => Summary | undefined): Map<string, { p50: number; p99: number }> {
  const direct = rows.find((row) => row.target === "direct");
  const base = direct ? pick(direct) : undefined;
  const result = new Map<string, { p50: number; p99: number }>();
  for (const row of rows) {
    const summary = pick(row);
    if (!summary || !base) continue;
    result.set(row.target, { p50: round(summary.p50 - base.p50), p99: round(summary.p99 - base.p99) });
  }
  return result;
}

function nonStreamingTable(rows: LatencyRow[]): string {
  const extra = added(rows, (row) => row.total);
  const lines = ["| Target | Samples | p50 ms | p99 ms | Added p50 ms | Added p99 ms | Errors |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"];
  for (const row of rows) {
    const delta = extra.get(row.target);
    const isDirect = row.target === "direct";
    lines.push(`| ${row.label} | ${row.total.n} | ${ms(row.total.p50)} | ${ms(row.total.p99)} | ${isDirect ? "-" : signed(delta?.p50 ?? Number.NaN)} | ${isDirect ? "-" : signed(delta?.p99 ?? Number.NaN)} | ${row.errors}${row.firstError ? ` (${row.firstError})` : ""} |`);
  }
  return lines.join("\n");
}

function streamingTable(rows: LatencyRow[]): string {
  const first = added(rows, (row) => row.ttft);
  const whole = added(rows, (row) => row.total);
  const lines = [
    "| Target | Samples | First token p50 / p99 ms | Added first token p50 / p99 ms | Whole stream p50 / p99 ms | Added whole stream p50 / p99 ms | Errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    const isDirect = row.target === "direct";
    const a = first.get(row.target);
    const b = whole.get(row.target);
    lines.push(
      `| ${row.label} | ${row.total.n} | ${ms(row.ttft?.p50)} / ${ms(row.ttft?.p99)} | ${isDirect || !a ? "-" : `${signed(a.p50)} / ${signed(a.p99)}`} | ${ms(row.total.p50)} / ${ms(row.total.p99)} | ${isDirect || !b ? "-" : `${signed(b.p50)} / ${signed(b.p99)}`} | ${row.errors}${row.firstError ? ` (${row.firstError})` : ""} |`,
    );
  }
  return lines.join("\n");
}

function concurrencyTable(rows: ConcurrencyRow[]): string {
  const lines = [
    "| Target | Streams | Intact | Lost streams | Lost tokens | In flight at once (upstream) | All in flight after ms | Wall s | First to last token p50 / p99 ms | Errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const row of rows) {
    const problems = Object.entries(row.errors).map(([what, n]) => `${n}x ${what}`);
    if (row.holdTimeouts > 0) problems.push(`${row.holdTimeouts} never all in flight together`);
    lines.push(
      `| ${row.label} (run ${row.run}) | ${row.streams} | ${row.intact} | ${row.lostStreams} | ${row.lostTokens} | ${row.maxActiveAtUpstream} | ${row.allOpenAfterMs ?? "-"} | ${row.wallSeconds} | ${ms(row.firstToLastToken.p50)} / ${ms(row.firstToLastToken.p99)} | ${problems.join("; ") || "none"} |`,
    );
  }
  return lines.join("\n");
}

function verdicts(result: GatewayResult): string {
  const lines = ["| Target (issue 6) | Spark, key with limits | Spark, no limits | Portkey | Bare node:http proxy (floor) |", "| --- | --- | --- | --- | --- |"];
  const pick = (id: string) => ({
    plain: added(result.nonStreaming, (row) => row.total).get(id),
    first: added(result.streaming, (row) => row.ttft).get(id),
    tput: result.throughput.find((row) => row.target === id),
    conc: result.concurrency.filter((row) => row.target === id),
  });
  const ids = ["spark-keyed", "spark-open", "portkey", "bare-proxy"];
  const mark = (ok: boolean, text: string) => `${ok ? "met" : "NOT met"}: ${text}`;
  const row = (name: string, cell: (id: string) => string) => lines.push(`| ${name} | ${ids.map(cell).join(" | ")} |`);
  row("added p50 <= 0.5 ms (non-streaming / first token)", (id) => {
    const { plain, first } = pick(id);
    if (!plain || !first) return "-";
    return mark(plain.p50 <= 0.5 && first.p50 <= 0.5, `${signed(plain.p50)} / ${signed(first.p50)} ms`);
  });
  row("added p99 <= 2 ms (non-streaming / first token)", (id) => {
    const { plain, first } = pick(id);
    if (!plain || !first) return "-";
    return mark(plain.p99 <= 2 && first.p99 <= 2, `${signed(plain.p99)} / ${signed(first.p99)} ms`);
  });
  row(">= 1,000 concurrent streams without loss", (id) => {
    const { conc } = pick(id);
    if (conc.length === 0) return "-";
    const intact = conc.reduce((sum, row) => sum + row.intact, 0);
    const streams = conc.reduce((sum, row) => sum + row.streams, 0);
    const together = Math.min(...conc.map((row) => row.maxActiveAtUpstream));
    const ok = conc.every((row) => row.streams >= 1000 && row.lostStreams === 0 && row.maxActiveAtUpstream >= 1000 && row.holdTimeouts === 0);
    return mark(ok, `${intact}/${streams} intact over ${conc.length} runs, >= ${together} in flight at once`);
  });
  row("a single stream >= 20,000 tokens/s", (id) => {
    const { tput } = pick(id);
    if (!tput) return "-";
    return mark(tput.medianTokensPerSecond >= 20_000 && tput.intactRuns === tput.tokensPerSecond.length, `${count(tput.medianTokensPerSecond)} tokens/s`);
  });
  return lines.join("\n");
}

export function gatewayMarkdown(result: GatewayResult): string {
  const { options } = result;
  const versions = Object.entries(result.versions).map(([name, version]) => `${name} ${version}`).join(", ");
  const throughput = [
    "| Target | Tokens per stream | Tokens/s (median) | Runs (tokens/s) | Intact runs |",
    "| --- | ---: | ---: | --- | ---: |",
    ...result.throughput.map((row) => `| ${row.label} | ${count(row.tokens)} | ${count(row.medianTokensPerSecond)} | ${row.tokensPerSecond.map(count).join(", ")} | ${row.intactRuns}/${row.tokensPerSecond.length} |`),
  ].join("\n");
  const bucket = [
    "| Charges already in the minute window | Samples | Reserve p50 / p99 ms | Settle p50 / p99 ms | Reserve + settle p50 / p99 ms |",
    "| ---: | ---: | ---: | ---: | ---: |",
    ...result.bucket.rows.map((row) => `| ${count(row.chargesInWindow)} | ${row.samples} | ${ms(row.reserve.p50)} / ${ms(row.reserve.p99)} | ${ms(row.settle.p50)} / ${ms(row.settle.p99)} | ${ms(row.total.p50)} / ${ms(row.total.p99)} |`),
  ].join("\n");
  return `Commit ${result.commit}. Versions: ${versions}.

Everything runs on this one machine (${result.cores} cores) over 127.0.0.1, each server in its own process: the
fast upstream (bench/gateway/fast-upstream.ts, node:http), a bare node:http pass-through (the floor: what
one more Node process and two more loopback hops cost here), two \`spark serve\` gateways (the built CLI;
one with an API key whose SQLite bucket limits requests/min, tokens/min, tokens/5 h and tokens/week, one
with no key and no limits, so no bucket work), and Portkey's gateway (its published Node server, pinned to
loopback, with the header-copy shim for Portkey-AI/gateway#1389, see bench/gateway/portkey-process.ts). The
client is the benchmark process (node:http, keep-alive). Client, upstream and gateway share the
${result.cores} cores, and the machine's 1-minute load average was ${result.loadAverage.start} at the start and
${result.loadAverage.end} at the end (other work ran beside the benchmark): the figures are upper bounds of
what each gateway adds, and vary between runs; compare them only within one run.

## Added latency, non-streaming

Sequential requests, one at a time, round-robin over the targets (order rotating each round), each
answering ${DEFAULT_TOKENS} tokens in one JSON body; at most ${options.rounds} rounds or ${options.timeBudgetS} s. Added = the
target's percentile minus the direct call's.

${nonStreamingTable(result.nonStreaming)}

## Added latency, streaming

The same, with \`stream: true\`: ${DEFAULT_TOKENS} token frames. First token = until the first content frame
arrives; whole stream = until the response ends.

${streamingTable(result.streaming)}

## Single-stream throughput

One stream of ${count(options.throughputTokens)} token frames (one \`chat.completion.chunk\` per token, as OpenAI
sends them), written by the upstream as fast as the socket takes them; tokens / (end - request start),
median of ${options.throughputRuns} runs. The direct row is the upstream + client ceiling on this machine.

${throughput}

## Concurrent streams

${options.streams} streaming requests opened at once. The upstream holds each stream after its first frame until all
${options.streams} are in flight together (or ${HOLD_TIMEOUT_MS / 1000} s passed), then sends ${options.streamTokens} tokens ${PACE_MS} ms apart on every one of them.
Intact = 200, every token, and \`[DONE]\`. First to last token is ideally ${(options.streamTokens - 1) * PACE_MS} ms: more is the gateway
falling behind with ${options.streams} streams open.

${concurrencyTable(result.concurrency)}

## Against the issue's targets

${verdicts(result)}

## The SQLite bucket alone

Reserve + settle in process (no HTTP), on a database file set up as \`spark serve\` does (WAL,
synchronous = NORMAL), with the keyed gateway's four limits.

${bucket}

## Notes

- Portkey's first token: its stream handler (the published build of @portkey-ai/gateway) waits 25 ms
  (\`setTimeout(..., 25)\`) before it forwards the first chunk of every stream, so its first-token
  latency is at least 25 ms whatever the upstream does.
- Spark with no limits does no bucket work at all (src/gateway/request-charge.ts); the keyed gateway
  pays for two SQLite write transactions per request (reserve before the upstream call, settle after the
  answer went out), plus the key check and the rate-limit headers.
- Single-stream throughput depends as much on the client and the upstream as on the gateway here:
  a gateway in between can even raise it, since it hands the client fewer, larger chunks.
`;
}
