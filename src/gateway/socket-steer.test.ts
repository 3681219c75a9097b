import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ResponseChainStore } from "./response-chain-store.js";
import type { SocketEventSink } from "./socket-event-sink.js";
import { SocketMetrics } from "./socket-metrics.js";
import { steer } from "./socket-steer.js";
import { RunningTurn } from "./socket-turn.js";

/** A lane's running response and a sink that records what the client would be sent. */
function target(toolCalls: number) {
  const running = new RunningTurn();
  running.responseId = "resp_1";
  running.generating = true;
  running.toolCalls = toolCalls;
  const sent: Record<string, unknown>[] = [];
  const sink = { notify: async (event: Record<string, unknown>) => void sent.push(event) } as unknown as SocketEventSink;
  const chains = new ResponseChainStore({ maxResponses: 10, maxBytes: 1_000_000, ttlMs: 60_000 });
  return { running, sent, steerTarget: { running, last: undefined, chains, sink } };
}

describe("response.steer on a running response", () => {
  it("is accepted while the model writes text: the response stops, the input waits for its successor", async () => {
    const { running, sent, steerTarget } = target(0);
    await steer(steerTarget, { type: "response.steer", input: "say hi" }, new SocketMetrics(new Registry()));
    expect(sent).toEqual([{ type: "response.steer.accepted", response_id: "resp_1" }]);
    expect(running.stoppedBy).toBe("steered");
    expect(running.steerInput).toEqual([{ type: "message", role: "user", content: "say hi" }]);
  });

  it("is pending once the model called a tool: the response is not stopped, so no call is left without its output", async () => {
    const { running, sent, steerTarget } = target(1);
    await steer(steerTarget, { type: "response.steer", input: "say hi" }, new SocketMetrics(new Registry()));
    expect(sent).toEqual([{ type: "response.steer.pending", response_id: "resp_1", input: [{ type: "message", role: "user", content: "say hi" }] }]);
    expect(running.stoppedBy).toBeUndefined();
    expect(running.steerInput).toBeUndefined();
    expect(running.controller.signal.aborted).toBe(false);
  });
});
