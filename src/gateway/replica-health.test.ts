import { describe, expect, it } from "vitest";
import { ReplicaHealth } from "./replica-health.js";

describe("replica health", () => {
  it("cools down with backoff and is re-admitted by one success", () => {
    const health = new ReplicaHealth({ cooldownMs: 1000, maxCooldownMs: 3000 });
    expect(health.isUp(0)).toBe(true);
    expect(health.fail(0)).toBe(1000);
    expect(health.isUp(999)).toBe(false);
    expect(health.isUp(1000)).toBe(true);
    expect(health.fail(1000)).toBe(2000);
    expect(health.fail(3000)).toBe(3000);
    expect(health.isUp(5999)).toBe(false);
    health.succeed();
    expect(health.isUp(0)).toBe(true);
    expect(health.fail(0)).toBe(1000);
    expect(health.cooldowns).toBe(4);
  });
});
