import { describe, expect, it } from "vitest";
import { overloaded, type ReplicaLoad } from "./balance.js";

const defaults = { absolute: 4, relative: 1.5 };
const replica = (inFlight: number, weight = 1, maxConcurrent = 16): ReplicaLoad => ({ inFlight, weight, maxConcurrent });

/** Whether the first of `loads` (in flight, weight 1) is overloaded among all of them. */
const first = (loads: number[], thresholds = defaults) => {
  const replicas = loads.map((inFlight) => replica(inFlight, 1, 100));
  return overloaded(replicas[0]!, replicas, thresholds);
};

describe("when a conversation leaves its replica", () => {
  it("stays under ordinary unevenness: 4 in flight against none elsewhere is within the absolute threshold", () => {
    // The old bound moved a conversation at 2 in flight: with 4 requests at once, conversations restarted cold.
    expect(first([2, 0, 0])).toBe(false);
    expect(first([4, 0, 0])).toBe(false);
    expect(first([5, 1, 1])).toBe(false);
  });

  it("moves on a real imbalance: more than the absolute threshold above the least loaded AND past the relative factor", () => {
    expect(first([5, 0, 3])).toBe(true);
    expect(first([9, 4, 6])).toBe(true);
  });

  it("needs both thresholds: a large absolute gap that is a small ratio stays, as does a large ratio under the gap", () => {
    // 30 against 25: 5 more, but only 1.2x.
    expect(first([30, 25])).toBe(false);
    // 3 against 1: 3x, but only 2 more.
    expect(first([3, 1])).toBe(false);
    expect(first([30, 25], { absolute: 4, relative: 1.1 })).toBe(true);
    expect(first([3, 1], { absolute: 1, relative: 1.5 })).toBe(true);
  });

  it("always leaves a replica at its max_concurrent, balanced or not", () => {
    const full = replica(8, 1, 8);
    expect(overloaded(full, [full, replica(8, 1, 16)], defaults)).toBe(true);
    expect(overloaded(replica(7, 1, 8), [replica(7, 1, 8), replica(7)], defaults)).toBe(false);
  });

  it("compares load per unit of weight", () => {
    // Weight 2 with 10 in flight is a load of 5, against 1 of weight 1: 4 more, not past the threshold.
    const heavy = replica(10, 2);
    expect(overloaded(heavy, [heavy, replica(1)], defaults)).toBe(false);
    const heavier = replica(12, 2);
    expect(overloaded(heavier, [heavier, replica(1)], defaults)).toBe(true);
  });

  it("with one candidate, only max_concurrent applies", () => {
    const alone = replica(50, 1, 100);
    expect(overloaded(alone, [alone], defaults)).toBe(false);
  });
});
