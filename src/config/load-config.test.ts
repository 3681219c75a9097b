import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./load-config.js";

function setup(user: string | undefined, project: string | undefined) {
  const root = mkdtempSync(join(tmpdir(), "spark-config-"));
  const home = join(root, "home");
  const cwd = join(root, "repo", "src", "deep");
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  if (user !== undefined) writeFileSync(join(home, "config.toml"), user);
  if (project !== undefined) {
    mkdirSync(join(root, "repo", ".spark"));
    writeFileSync(join(root, "repo", ".spark", "config.toml"), project);
  }
  return { root, cwd, env: { SPARK_HOME: home } as NodeJS.ProcessEnv };
}

describe("loadConfig", () => {
  it("with nothing set anywhere gives the empty config; one setting anywhere is validated again", async () => {
    const { cwd, env } = setup(undefined, undefined);
    const empty = await loadConfig({ cwd, env });
    expect(empty.config).toEqual({});
    expect(empty.files).toEqual([]);
    // The shortcut is only for no layers at all: a flag alone is checked like a file.
    await expect(loadConfig({ cwd, env, flags: [{ source: "--temperature", data: { temperature: 5 } }] })).rejects.toThrow(/temperature.*\(set by --temperature\)/s);
  });

  it("lets the project file (found from a subdirectory) win over the user file, key by key", async () => {
    const { cwd, env, root } = setup(`model = "a"\ntemperature = 0.5\n[aliases]\nspark = "x"\n`, `model = "b"\n[aliases]\nreview = "y"\n`);
    const loaded = await loadConfig({ cwd, env });
    expect(loaded.config.model).toBe("b");
    expect(loaded.config.temperature).toBe(0.5);
    expect(loaded.config.aliases).toEqual({ spark: "x", review: "y" });
    expect(loaded.sources.get("model")).toBe(join(root, "repo", ".spark", "config.toml"));
    expect(loaded.sources.get("aliases.spark")).toBe(join(root, "home", "config.toml"));
  });

  it("applies a profile, then environment variables, then flags", async () => {
    const { cwd, env } = setup(`model = "a"\n[profiles.fast]\nmodel = "fast"\nthreads = 3\n`, undefined);
    const loaded = await loadConfig({
      cwd,
      env: { ...env, SPARK_PROFILE: "fast", SPARK_MAX_TOKENS: "50" },
      flags: [{ source: "flag --max-tokens", data: { max_tokens: 70 } }],
    });
    expect(loaded.config.model).toBe("fast");
    expect(loaded.config.local?.threads).toBe(3);
    expect(loaded.config.max_tokens).toBe(70);
    expect(loaded.sources.get("local.threads")).toBe("profile fast");
    expect(loaded.sources.get("max_tokens")).toBe("flag --max-tokens");
  });

  it("names an unknown profile and the ones that exist", async () => {
    const { cwd, env } = setup(`[profiles.fast]\nmodel = "x"\n`, undefined);
    await expect(loadConfig({ cwd, env, profile: "slow" })).rejects.toThrow(/Profile "slow" is not defined. Known profiles: fast/);
  });

  it("rejects a non-numeric environment override with the variable's name", async () => {
    const { cwd, env } = setup(undefined, undefined);
    await expect(loadConfig({ cwd, env: { ...env, SPARK_TEMPERATURE: "warm" } })).rejects.toThrow(/SPARK_TEMPERATURE="warm" is not a number/);
  });

  it("says which layer set an out-of-range value", async () => {
    const { cwd, env } = setup(undefined, undefined);
    await expect(loadConfig({ cwd, env: { ...env, SPARK_TEMPERATURE: "7" } })).rejects.toThrow(/key `temperature`.*\(set by env SPARK_TEMPERATURE\)/);
  });

  it("reads the pool's balance thresholds, and says what replaced load_factor", async () => {
    const { cwd, env } = setup(`[gateway.pool]\nbalance_abs_threshold = 8\nbalance_rel_threshold = 2\n`, undefined);
    expect((await loadConfig({ cwd, env })).config.gateway?.pool).toEqual({ balance_abs_threshold: 8, balance_rel_threshold: 2 });
    const old = setup(`[gateway.pool]\nload_factor = 1.25\n`, undefined);
    await expect(loadConfig({ cwd: old.cwd, env: old.env })).rejects.toThrow(/load_factor was replaced by balance_abs_threshold .* and balance_rel_threshold/);
  });

  it("reads the pool's wait-queue bounds, and refuses a bound that is not a whole number from 1 up with what to write", async () => {
    const { cwd, env } = setup(`[gateway.pool]
queue_timeout_ms = 300
max_queued = 1
`, undefined);
    expect((await loadConfig({ cwd, env })).config.gateway?.pool).toEqual({ queue_timeout_ms: 300, max_queued: 1 });
    const refusals: [string, RegExp][] = [
      ["queue_timeout_ms = 0", /key `gateway\.pool\.queue_timeout_ms`: a whole number of milliseconds from 1 to 600000 \(10 minutes\); the default is 30000/],
      ["queue_timeout_ms = -5", /queue_timeout_ms`: a whole number of milliseconds from 1/],
      ["queue_timeout_ms = 2.5", /queue_timeout_ms`: a whole number of milliseconds from 1/],
      ["queue_timeout_ms = 600001", /queue_timeout_ms`: a whole number of milliseconds from 1 to 600000/],
      ["max_queued = 0", /key `gateway\.pool\.max_queued`: a whole number of requests from 1 to 100000; the default is 256/],
      ["max_queued = -1", /max_queued`: a whole number of requests from 1/],
      ["max_queued = 1.5", /max_queued`: a whole number of requests from 1/],
      ["max_queued = 100001", /max_queued`: a whole number of requests from 1 to 100000/],
      ['max_queued = "many"', /max_queued`: .*expected number/],
    ];
    for (const [line, message] of refusals) {
      const bad = setup(`[gateway.pool]\n${line}\n`, undefined);
      await expect(loadConfig({ cwd: bad.cwd, env: bad.env }), line).rejects.toThrow(message);
    }
  });
});
