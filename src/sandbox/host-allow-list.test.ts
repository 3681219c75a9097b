import { describe, expect, it } from "vitest";
import { hostAllowed } from "./host-allow-list.js";

describe("hostAllowed", () => {
  const list = ["registry.npmjs.org", "*.github.com", "127.0.0.1", "::1"];

  it("allows exact names, in any case and with a trailing dot", () => {
    expect(hostAllowed("registry.npmjs.org", list)).toBe(true);
    expect(hostAllowed("Registry.NPMJS.org.", list)).toBe(true);
    expect(hostAllowed("npmjs.org", list)).toBe(false);
    expect(hostAllowed("registry.npmjs.org.evil.com", list)).toBe(false);
  });

  it("allows names under a wildcard, but not the bare domain or a look-alike", () => {
    expect(hostAllowed("api.github.com", list)).toBe(true);
    expect(hostAllowed("a.b.github.com", list)).toBe(true);
    expect(hostAllowed("github.com", list)).toBe(false);
    expect(hostAllowed("evilgithub.com", list)).toBe(false);
  });

  it("allows IP literals only where listed exactly", () => {
    expect(hostAllowed("127.0.0.1", list)).toBe(true);
    expect(hostAllowed("[::1]", list)).toBe(true);
    expect(hostAllowed("127.0.0.2", list)).toBe(false);
    expect(hostAllowed("1.github.com", ["*.github.com"])).toBe(true);
    expect(hostAllowed("10.0.0.1", ["*.0.0.1"])).toBe(false);
    expect(hostAllowed("", list)).toBe(false);
  });
});
