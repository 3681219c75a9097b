import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { ResponsesEncoder } from "../../src/gateway/responses-encoder.js";
import { SocketEventSink } from "../../src/gateway/socket-event-sink.js";

/**
 * The CPU time the gateway's Responses WebSocket sink spends on a burst of text deltas (an upstream that
 * sends 300 chunks at once), through a real `ws` socket on loopback: the deltas as the encoder makes them
 * (`send`) and as an upstream's SSE frames passed through (`forward`), for a plain client (the Codex CLI),
 * a client on a `stream_id` lane, and the web page (deltas coalesced). The client only counts messages,
 * so the figures are the sink's work, ws's framing and the loopback write, and little else.
 */

export const SINK_BURST_DEFAULTS = { chunks: 300, rounds: 200 } as const;

export interface Variant {
  name: string;
  streamId: string | undefined;
  coalesce: boolean;
  path: "send" | "forward";
}

export const VARIANTS: Variant[] = [
  { name: "plain client, send", streamId: undefined, coalesce: false, path: "send" },
  { name: "plain client, forward", streamId: undefined, coalesce: false, path: "forward" },
  { name: "stream_id lane, send", streamId: "lane-1", coalesce: false, path: "send" },
  { name: "stream_id lane, forward", streamId: "lane-1", coalesce: false, path: "forward" },
  { name: "web page (coalesced), send", streamId: undefined, coalesce: true, path: "send" },
];

export interface SinkBurstRow {
  variant: string;
  /** CPU time (user + system, µs) from the first send to the client holding the last message: median and p95. */
  medianUs: number;
  p95Us: number;
  /** Messages the client got per burst (coalescing merges deltas). */
  messages: number;
}

export interface SinkBurstResult {
  chunks: number;
  rounds: number;
  rows: SinkBurstRow[];
}

const quantile = (values: number[], q: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN;

/** An upstream's SSE frame for one delta, as a Responses upstream sends it. */
function sseFrame(index: number, text: string): string {
  const data = { type: "response.output_text.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta: text, logprobs: [], sequence_number: index + 3 };
  return `event: response.output_text.delta\ndata: ${JSON.stringify(data)}\n\n`;
}

export async function connect(): Promise<{ server: WebSocketServer; serverSide: WebSocket; client: WebSocket }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const accepted = new Promise<WebSocket>((resolve) => server.once("connection", resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await new Promise<void>((resolve, reject) => client.once("open", () => resolve()).once("error", reject));
  return { server, serverSide: await accepted, client };
}

/** What the burst goes through: the gateway's sink (another, to compare a change against it in one run). */
export type SinkFactory = (socket: WebSocket, streamId: string | undefined, coalesce: boolean) => SocketEventSink;

/** One burst: CPU µs until the client has the closing message, and the messages it got. */
export async function burst(variant: Variant, serverSide: WebSocket, client: WebSocket, chunks: string[], makeSink: SinkFactory = (...args) => new SocketEventSink(...args)): Promise<{ cpuUs: number; messages: number }> {
  let messages = 0;
  const done = new Promise<void>((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      messages++;
      if (data.toString().includes('"bench.done"')) {
        client.off("message", onMessage);
        resolve();
      }
    };
    client.on("message", onMessage);
  });
  const sink = makeSink(serverSide, variant.streamId, variant.coalesce);
  const encoder = new ResponsesEncoder("bench-model", {});
  const before = process.cpuUsage();
  sink.open();
  for (const [index, chunk] of chunks.entries()) {
    if (variant.path === "send") await sink.send(encoder.text(chunk));
    else await sink.forward(sseFrame(index, chunk));
  }
  await sink.notify({ type: "bench.done" });
  sink.end();
  await done;
  const used = process.cpuUsage(before);
  return { cpuUs: used.user + used.system, messages: messages - 1 };
}

export async function runSinkBurstBench(options: { chunks: number; rounds: number }, log: (line: string) => void): Promise<SinkBurstResult> {
  const chunks = Array.from({ length: options.chunks }, (_, index) => `w${index} `);
  const { server, serverSide, client } = await connect();
  const samples = new Map<string, { cpu: number[]; messages: number }>(VARIANTS.map((variant) => [variant.name, { cpu: [], messages: 0 }]));
  try {
    // Warm-up, then the variants take turns, so a shared machine's changing load weighs on all alike.
    for (let round = -20; round < options.rounds; round++) {
      for (const variant of VARIANTS) {
        const { cpuUs, messages } = await burst(variant, serverSide, client, chunks);
        if (round < 0) continue;
        const sample = samples.get(variant.name)!;
        sample.cpu.push(cpuUs);
        sample.messages = messages;
      }
      if (round > 0 && round % 50 === 0) log(`sink-burst: ${round} of ${options.rounds} rounds`);
    }
  } finally {
    client.close();
    serverSide.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
  const rows = VARIANTS.map(({ name }) => {
    const { cpu, messages } = samples.get(name)!;
    return { variant: name, medianUs: quantile(cpu, 0.5), p95Us: quantile(cpu, 0.95), messages };
  });
  return { chunks: options.chunks, rounds: options.rounds, rows };
}

export function sinkBurstMarkdown(result: SinkBurstResult): string {
  return [
    `A burst of ${result.chunks} text deltas through the Responses WebSocket sink on a loopback ws socket, ${result.rounds} bursts per row (variants in turn).`,
    "CPU time: user + system of the process from the first send until the client holds the last message.",
    "",
    "| variant | messages per burst | CPU µs per burst, median | p95 |",
    "| --- | ---: | ---: | ---: |",
    ...result.rows.map((row) => `| ${row.variant} | ${row.messages} | ${Math.round(row.medianUs).toLocaleString("en-US")} | ${Math.round(row.p95Us).toLocaleString("en-US")} |`),
    "",
  ].join("\n");
}
