import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/index.js";
import { loadConfig } from "./load-config.js";

/** Loads a project file holding `project`; returns the error it raises, or undefined. */
async function loadError(project: string): Promise<unknown> {
  const root = mkdtempSync(join(tmpdir(), "spark-config-limits-"));
  mkdirSync(join(root, "home"));
  mkdirSync(join(root, "repo", ".spark"), { recursive: true });
  writeFileSync(join(root, "repo", ".spark", "config.toml"), project);
  try {
    await loadConfig({ cwd: join(root, "repo"), env: { SPARK_HOME: join(root, "home"), HOME: join(root, "home") } });
    return undefined;
  } catch (error) {
    return error;
  }
}

const aliases = (count: number) => `[aliases]\n${Array.from({ length: count }, (_, index) => `a${index} = "b"`).join("\n")}\n`;

describe("config limits", () => {
  it.each([
    ["150,000 aliases (a file over 1 MiB)", aliases(150_000), /config\.toml is \d+ bytes; a config file may have at most 1048576/],
    ["3,000 aliases", aliases(3000), /key `aliases` has 3000 keys; at most 2000 are allowed in one table/],
    ["an alias named __proto__", `[aliases]\n__proto__ = "x"\n`, /key `aliases.__proto__` is not allowed: "__proto__" is reserved/],
    ["a table named __proto__", `[aliases.__proto__]\npolluted = "yes"\n`, /key `aliases.__proto__` is not allowed/],
    ["a model named constructor", `[models.constructor]\ntemperature = 0\n`, /key `models.constructor` is not allowed/],
    ["a key named prototype", `[gateway.limits.prototype]\nrequests_per_minute = 1\n`, /key `gateway.limits.prototype` is not allowed/],
    ["tables nested 20 deep", `[${Array.from({ length: 20 }, (_, index) => `t${index}`).join(".")}]\nx = 1\n`, /is nested more than 16 tables deep/],
    ["an inline array nested 100,000 deep", `a = ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`, /is not valid TOML: .*nested/],
    ["an array of 3,000 items", `[review]\nchecks = [${Array.from({ length: 3000 }, () => '"x"').join(",")}]\n`, /key `review.checks` has 3000 items; at most 2000/],
  ])("refuses %s with a ConfigError naming the file and the key", async (_name, text, message) => {
    const error = await loadError(text);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/\/repo\/\.spark\/config\.toml/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
