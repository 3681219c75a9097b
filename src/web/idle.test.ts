import { afterEach, describe, expect, it, vi } from "vitest";
import { whenIdle } from "./idle.js";

/** A browser's idle queue, driven by hand: each period offers `remaining` ms, or says the callback's timeout passed. */
function fakeIdleWindow() {
  const requests: { callback: (deadline: IdleDeadline) => void; timeout: number | undefined }[] = [];
  vi.stubGlobal("window", {
    requestIdleCallback: (callback: (deadline: IdleDeadline) => void, options?: { timeout?: number }) => requests.push({ callback, timeout: options?.timeout }),
  });
  const period = (remaining: number, didTimeout = false) => {
    const due = requests.splice(0);
    for (const request of due) request.callback({ didTimeout, timeRemaining: () => remaining });
  };
  return { requests, period };
}

afterEach(() => vi.unstubAllGlobals());

describe("whenIdle", () => {
  it("runs the task in an idle period that has its budget left", () => {
    const { period } = fakeIdleWindow();
    const task = vi.fn();
    whenIdle(task, 200, 8);
    period(10);
    expect(task).toHaveBeenCalledOnce();
  });

  it("waits for a later idle period when too little of this one is left, within the original timeout", () => {
    const { requests, period } = fakeIdleWindow();
    const task = vi.fn();
    whenIdle(task, 200, 8);
    expect(requests[0]?.timeout).toBe(200);
    period(3);
    expect(task).not.toHaveBeenCalled();
    expect(requests).toHaveLength(1);
    expect(requests[0]?.timeout).toBeGreaterThan(0);
    expect(requests[0]?.timeout).toBeLessThanOrEqual(200);
    period(9);
    expect(task).toHaveBeenCalledOnce();
    expect(requests).toHaveLength(0);
  });

  it("runs the task once its timeout has passed, idle time or not", () => {
    const { period } = fakeIdleWindow();
    const task = vi.fn();
    whenIdle(task, 50, 8);
    period(0, true);
    expect(task).toHaveBeenCalledOnce();
  });

  it("without a budget, runs in the first idle period", () => {
    const { period } = fakeIdleWindow();
    const task = vi.fn();
    whenIdle(task);
    period(0.5);
    expect(task).toHaveBeenCalledOnce();
  });
});
