import { describe, expect, it } from "vitest";
import { closestCommand, editDistance, refuseMistypedCommand } from "./mistyped-command.js";

const commands = ["models", "exec", "resume", "mcp", "serve", "help"];

describe("mistyped commands", () => {
  it("counts a swap of neighbours as one edit", () => {
    expect(editDistance("exce", "exec")).toBe(1);
    expect(editDistance("modles", "models")).toBe(1);
    expect(editDistance("rename", "resume")).toBe(2);
    expect(editDistance("", "mcp")).toBe(3);
  });

  it("suggests the command for near misses and leaves ordinary words alone", () => {
    expect(closestCommand("exce", commands)).toBe("exec");
    expect(closestCommand("Modles", commands)).toBe("models");
    expect(closestCommand("sevre", commands)).toBe("serve");
    expect(closestCommand("map", commands)).toBeUndefined();
    expect(closestCommand("rename", commands)).toBeUndefined();
    expect(closestCommand("explain", commands)).toBeUndefined();
  });

  it("refuses only a bare first word, so a quoted task still goes through", () => {
    expect(() => refuseMistypedCommand(["exce", "rename x"], commands)).toThrow('unknown command "exce": did you mean `spark exec`?');
    expect(() => refuseMistypedCommand(["exce rename x"], commands)).not.toThrow();
    expect(() => refuseMistypedCommand(["refactor"], commands)).not.toThrow();
  });
});
