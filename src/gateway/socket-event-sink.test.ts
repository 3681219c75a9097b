import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { SocketEventSink } from "./socket-event-sink.js";

type Json = Record<string, unknown>;

/** A real ws socket pair on loopback: the gateway's end, and a client that keeps the JSON of every message. */
async function socketPair(): Promise<{ serverSide: WebSocket; received: Json[]; close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const accepted = new Promise<WebSocket>((resolve) => server.once("connection", resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const received: Json[] = [];
  client.on("message", (data: WebSocket.RawData) => received.push(JSON.parse(data.toString()) as Json));
  await new Promise<void>((resolve, reject) => client.once("open", () => resolve()).once("error", reject));
  const serverSide = await accepted;
  return {
    serverSide,
    received,
    close: async () => {
      client.close();
      serverSide.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const delta = (sequence: number, text: string): Json => ({ type: "response.output_text.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta: text, logprobs: [], sequence_number: sequence });

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe("SocketEventSink", () => {
  it("stamps each event of a lane with the lane's stream_id, replacing an upstream's, and leaves the events as they were", async () => {
    const pair = await socketPair();
    close = pair.close;
    const sink = new SocketEventSink(pair.serverSide, "lane-1", false);
    const events = [delta(1, "a"), { type: "response.in_progress", stream_id: "someone-else", sequence_number: 2 }, {}];
    const before = structuredClone(events);
    sink.open();
    await sink.send(events.map((data) => ({ data })));
    await sink.forward(`data: ${JSON.stringify(delta(3, "b"))}\n\ndata: [1,2]\n\n`);
    sink.end();
    await expect.poll(() => pair.received.length).toBe(5);
    expect(pair.received).toEqual([
      { ...delta(1, "a"), stream_id: "lane-1" },
      { type: "response.in_progress", stream_id: "lane-1", sequence_number: 2 },
      { stream_id: "lane-1" },
      { ...delta(3, "b"), stream_id: "lane-1" },
      { 0: 1, 1: 2, stream_id: "lane-1" },
    ]);
    expect(events).toEqual(before);
  });

  it("sends events of the default lane as they are", async () => {
    const pair = await socketPair();
    close = pair.close;
    const sink = new SocketEventSink(pair.serverSide, undefined, false);
    sink.open();
    await sink.send([{ data: delta(1, "a") }, { data: delta(2, "b") }]);
    sink.end();
    await expect.poll(() => pair.received.length).toBe(2);
    expect(pair.received).toEqual([delta(1, "a"), delta(2, "b")]);
  });

  it("coalesces deltas of one turn into one message, numbers what follows consecutively, and leaves the events as they were", async () => {
    const pair = await socketPair();
    close = pair.close;
    const sink = new SocketEventSink(pair.serverSide, "page", true);
    const events = [delta(5, "a"), delta(6, "b"), delta(7, "c"), { type: "response.completed", sequence_number: 8 }];
    const before = structuredClone(events);
    sink.open();
    for (const data of events) await sink.send([{ data }]);
    sink.end();
    await expect.poll(() => pair.received.length).toBe(2);
    expect(pair.received).toEqual([
      { ...delta(5, "abc"), stream_id: "page" },
      { type: "response.completed", sequence_number: 6, stream_id: "page" },
    ]);
    expect(events).toEqual(before);
  });

  it("sends the page's deltas at most once per 8 ms, a delta after a quiet spell at once", async () => {
    // A socket stand-in, so the clock can be the test's: only what the sink uses of a ws socket.
    const sent: Json[] = [];
    const socket = Object.assign(new EventEmitter(), { readyState: WebSocket.OPEN, bufferedAmount: 0, send: (text: string) => void sent.push(JSON.parse(text) as Json) });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance"] });
    try {
      const sink = new SocketEventSink(socket as unknown as WebSocket, undefined, true);
      sink.open();
      await sink.send([{ data: delta(1, "a") }]);
      await vi.advanceTimersByTimeAsync(1);
      expect(sent.map((event) => event["delta"])).toEqual(["a"]);
      await sink.send([{ data: delta(2, "b") }]);
      await vi.advanceTimersByTimeAsync(2);
      await sink.send([{ data: delta(3, "c") }]);
      await vi.advanceTimersByTimeAsync(4);
      expect(sent).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(2);
      expect(sent.map((event) => event["delta"])).toEqual(["a", "bc"]);
      await vi.advanceTimersByTimeAsync(50);
      await sink.send([{ data: delta(4, "d") }]);
      await vi.advanceTimersByTimeAsync(1);
      expect(sent.map((event) => event["delta"])).toEqual(["a", "bc", "d"]);
      sink.end();
    } finally {
      vi.useRealTimers();
    }
  });
});
