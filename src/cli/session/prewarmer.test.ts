import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ModelRequest } from "../../core/index.js";
import type { ModelClient } from "../../models/index.js";
import { Prewarmer, type PrewarmTarget } from "./prewarmer.js";

/** A client whose prewarms are recorded and finish when the test says. */
function fakeClient() {
  const calls: ModelRequest[] = [];
  const finishers: (() => void)[] = [];
  const client = {
    prewarm: (request: ModelRequest) => {
      calls.push(request);
      return new Promise<{ usage: never }>((resolve) => finishers.push(() => resolve({ usage: undefined as never })));
    },
  } as unknown as ModelClient;
  return { client, calls, finishAll: () => finishers.splice(0).forEach((finish) => finish()) };
}

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe("Prewarmer", () => {
  it("prewarms once after a pause with text typed, and not again for the same conversation", async () => {
    const { client, calls, finishAll } = fakeClient();
    const conversation = { messages: [{ role: "system" as const, content: "sys" }] };
    const prewarmer = new Prewarmer((): PrewarmTarget => ({ client, request: { messages: [...conversation.messages] }, conversation }), 400);
    prewarmer.typed("h");
    prewarmer.typed("he");
    await vi.advanceTimersByTimeAsync(399);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    finishAll();
    await prewarmer.settled();
    prewarmer.typed("hello");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(1);
    // The conversation grew (a turn ended): the next pause prewarms it.
    conversation.messages.push({ role: "user", content: "hi" } as never);
    prewarmer.typed("more");
    await vi.advanceTimersByTimeAsync(400);
    expect(calls).toHaveLength(2);
  });

  it("never runs two at once, never with nothing typed or nothing to do, and stops for good", async () => {
    const { client, calls, finishAll } = fakeClient();
    let length = 1;
    let busy = false;
    const prewarmer = new Prewarmer((): PrewarmTarget | undefined => (busy ? undefined : { client, request: { messages: [] }, conversation: { length } }), 400);
    prewarmer.typed("   ");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(0);
    prewarmer.typed("a");
    await vi.advanceTimersByTimeAsync(400);
    length = 2;
    prewarmer.typed("ab");
    await vi.advanceTimersByTimeAsync(400);
    // The first still runs: no second one.
    expect(calls).toHaveLength(1);
    finishAll();
    await prewarmer.settled();
    busy = true;
    prewarmer.typed("abc");
    await vi.advanceTimersByTimeAsync(400);
    expect(calls).toHaveLength(1);
    busy = false;
    prewarmer.stop();
    prewarmer.typed("abcd");
    await vi.advanceTimersByTimeAsync(400);
    expect(calls).toHaveLength(1);
  });

  it("lets a turn's Esc cut its wait for a running prewarm, which goes on and is waited for by the next turn", async () => {
    const { client, calls, finishAll } = fakeClient();
    const prewarmer = new Prewarmer((): PrewarmTarget => ({ client, request: { messages: [] }, conversation: {} }), 400);
    prewarmer.typed("a long prompt");
    await vi.advanceTimersByTimeAsync(400);
    expect(calls).toHaveLength(1);
    const turn = new AbortController();
    let waited = false;
    const wait = prewarmer.settled(turn.signal).then(() => (waited = true));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(waited).toBe(false);
    turn.abort(new Error("interrupted by the user"));
    await wait;
    expect(waited).toBe(true);
    // An already-aborted turn does not wait at all; a turn without Esc still waits for the prewarm.
    await prewarmer.settled(AbortSignal.abort());
    let next = false;
    const nextWait = prewarmer.settled(new AbortController().signal).then(() => (next = true));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(next).toBe(false);
    finishAll();
    await nextWait;
    expect(next).toBe(true);
  });
});
