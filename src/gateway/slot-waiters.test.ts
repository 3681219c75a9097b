import { afterEach, describe, expect, it, vi } from "vitest";
import { SlotWaiters } from "./slot-waiters.js";

describe("SlotWaiters", () => {
  afterEach(() => void vi.useRealTimers());

  it("holds at most maxQueued places, counting a place from join to leave whatever wakes it", async () => {
    const sizes: number[] = [];
    const waiters = new SlotWaiters({ maxQueued: 2, timeoutMs: 60_000 }, (size) => sizes.push(size));
    const [first, second] = [waiters.join(), waiters.join()];
    expect(waiters.join()).toBeUndefined();
    const woken = first!.next();
    waiters.wakeAll();
    expect(await woken).toBe("freed");
    // Woken, it keeps its place while it chooses again: a newcomer is still refused.
    expect(waiters.join()).toBeUndefined();
    first!.leave();
    first!.leave();
    const third = waiters.join();
    expect(third).toBeDefined();
    second!.leave();
    third!.leave();
    expect(sizes).toEqual([1, 2, 1, 2, 1, 0]);
  });

  it("ends a wait at its deadline from join, or when its signal aborts, and leaves no timer or listener behind", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const waiters = new SlotWaiters({ maxQueued: 10, timeoutMs: 300 });
    const late = waiters.join()!;
    vi.advanceTimersByTime(200);
    const pending = late.next();
    vi.advanceTimersByTime(99);
    let settled = false;
    void pending.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await pending).toBe("timed-out");
    expect(await late.next()).toBe("timed-out");
    late.leave();

    const client = new AbortController();
    const removed = vi.spyOn(client.signal, "removeEventListener");
    const leaving = waiters.join(client.signal)!;
    const waited = leaving.next();
    client.abort();
    expect(await waited).toBe("aborted");
    leaving.leave();
    expect(removed).toHaveBeenCalledWith("abort", expect.any(Function));
    expect(vi.getTimerCount()).toBe(0);
    expect(waiters.size).toBe(0);
  });

  it("answers a place that joins with an aborted signal at once", async () => {
    const client = new AbortController();
    client.abort();
    const waiters = new SlotWaiters({ maxQueued: 1, timeoutMs: 60_000 });
    const place = waiters.join(client.signal)!;
    expect(await place.next()).toBe("aborted");
    place.leave();
    expect(waiters.size).toBe(0);
  });
});
