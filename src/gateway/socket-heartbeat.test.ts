import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { watchSocket } from "./socket-heartbeat.js";

let server: WebSocketServer | undefined;
afterEach(async () => {
  for (const client of server?.clients ?? []) client.terminate();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server that watches each socket it accepts, and a client connected to it. */
async function connect(limits: { pingIntervalMs: number; maxLifetimeMs: number }, autoPong: boolean) {
  server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  const dead: string[] = [];
  server.on("connection", (ws) => {
    const unwatch = watchSocket(ws, limits, () => dead.push("dead"));
    ws.once("close", unwatch);
  });
  await new Promise<void>((resolve) => server?.once("listening", () => resolve()));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { autoPong });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => client.once("close", (code, reason) => resolve({ code, reason: reason.toString(), at: performance.now() })));
  await new Promise<void>((resolve) => client.once("open", () => resolve()));
  return { client, closed, dead, openedAt: performance.now() };
}

describe("watchSocket", () => {
  it("drops a peer that stops answering pings, and keeps one that answers", async () => {
    const silent = await connect({ pingIntervalMs: 100, maxLifetimeMs: 60_000 }, false);
    const gone = await silent.closed;
    expect(gone.code).toBe(1006);
    expect(gone.at - silent.openedAt).toBeLessThan(2_000);
    expect(silent.dead).toEqual(["dead"]);
  });

  it("keeps a peer that answers, and closes it at its lifetime with a reason to reconnect", async () => {
    const alive = await connect({ pingIntervalMs: 50, maxLifetimeMs: 600 }, true);
    const end = await alive.closed;
    expect(end.at - alive.openedAt).toBeGreaterThanOrEqual(500);
    expect(end.code).toBe(1000);
    expect(end.reason).toMatch(/lifetime limit .*open a new one/);
    expect(alive.dead).toEqual([]);
  });
});
