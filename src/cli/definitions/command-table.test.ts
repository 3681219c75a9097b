import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { commandTable, definitionsFor } from "./command-table.js";

const defined = (args: string[]): string[] => {
  const program = new Command("spark");
  for (const register of definitionsFor(args)) register(program, () => undefined);
  return program.commands.map((command) => command.name());
};

describe("the command table", () => {
  it("files each definition under the name it registers", () => {
    for (const [name, register] of Object.entries(commandTable)) {
      const program = new Command("spark");
      register(program, () => undefined);
      expect(program.commands.map((command) => command.name())).toEqual([name]);
    }
  });

  it("defines the named command alone, and every command for anything else", () => {
    const all = Object.keys(commandTable);
    expect(defined(["apply", "--check", "fix.patch"])).toEqual(["apply"]);
    expect(defined(["keys", "create"])).toEqual(["keys"]);
    // A task, options first, help (of any command), a typo, a name from Object's prototype: all of them.
    for (const args of [[], ["fix", "the", "test"], ["-m", "local:x.gguf", "apply"], ["--help"], ["help", "apply"], ["aply"], ["constructor"], ["toString"]]) {
      expect(defined(args), args.join(" ")).toEqual(all);
    }
  });
});
