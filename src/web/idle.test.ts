import { afterEach, describe, expect, it, vi } from "vitest";
import { inIdleThen, whenIdle } from "./idle.js";

/** A browser's idle queue, driven by hand: each period offers `remaining` ms, or says the callback's timeout passed. */
function fakeIdleWindow() {
  const requests: { callback: (deadline: IdleDeadline) => void; timeout: number | undefined }[] = [];
  vi.stubGlobal("window", {
    requestIdleCallback: (callback: (deadline: IdleDeadline) => void, options?: { timeout?: number }) => requests.push({ callback, timeout: options?.timeout }),
  });
  /** An idle period of `remaining` ms; `spend` ms pass with each look at the time left. */
  const period = (remaining: number, didTimeout = false, spend = 0) => {
    const due = requests.splice(0);
    let left = remaining;
    for (const request of due) request.callback({ didTimeout, timeRemaining: () => Math.max(0, (left -= spend) + spend) });
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

describe("inIdleThen", () => {
  it("steps while the idle period has the budget left and the step has more, then goes on", () => {
    const { requests, period } = fakeIdleWindow();
    const order: string[] = [];
    let steps = 0;
    inIdleThen(() => (order.push(`step ${++steps}`), true), () => order.push("then"), 16, 2);
    expect(requests[0]?.timeout).toBe(16);
    // 7 ms left, each step takes 2: three steps (7, 5, 3 ms left before them), not a fourth at 1 ms.
    period(7, false, 2);
    expect(order).toEqual(["step 1", "step 2", "step 3", "then"]);
    expect(requests).toHaveLength(0);
  });

  it("stops stepping when the step has nothing left", () => {
    const { period } = fakeIdleWindow();
    const step = vi.fn(() => false);
    const then = vi.fn();
    inIdleThen(step, then, 16, 2);
    period(40);
    expect(step).toHaveBeenCalledOnce();
    expect(then).toHaveBeenCalledOnce();
  });

  it("goes on without stepping when the timeout passed with no idle time", () => {
    const { period } = fakeIdleWindow();
    const step = vi.fn(() => true);
    const then = vi.fn();
    inIdleThen(step, then, 16, 2);
    period(0, true);
    expect(step).not.toHaveBeenCalled();
    expect(then).toHaveBeenCalledOnce();
  });

  it("goes on at once where the browser has no idle callbacks", () => {
    vi.stubGlobal("window", {});
    const then = vi.fn();
    inIdleThen(() => true, then, 16, 2);
    expect(then).toHaveBeenCalledOnce();
  });
});
