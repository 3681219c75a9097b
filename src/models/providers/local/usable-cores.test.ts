import { describe, expect, it } from "vitest";
import { defaultThreads, usableCores } from "./usable-cores.js";

describe("defaultThreads", () => {
  it("uses one thread on two cores or fewer, leaving a core for the event loop", () => {
    expect(defaultThreads(1)).toBe(1);
    expect(defaultThreads(2)).toBe(1);
  });

  it("uses all but one core on larger machines", () => {
    expect(defaultThreads(8)).toBe(7);
  });
});

describe("usableCores", () => {
  it("is at least one and never more than the machine has", async () => {
    const { availableParallelism } = await import("node:os");
    const cores = usableCores();
    expect(cores).toBeGreaterThanOrEqual(1);
    expect(cores).toBeLessThanOrEqual(availableParallelism());
  });
});
