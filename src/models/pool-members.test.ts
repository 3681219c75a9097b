import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { resolveModel } from "./resolve-model.js";

async function setup(user: string, project: string) {
  const root = mkdtempSync(join(tmpdir(), "spark-pool-members-"));
  mkdirSync(join(root, "home"));
  mkdirSync(join(root, "repo", ".spark"), { recursive: true });
  writeFileSync(join(root, "home", "config.toml"), user);
  writeFileSync(join(root, "repo", ".spark", "config.toml"), project);
  const env = { SPARK_HOME: join(root, "home"), HOME: join(root, "home") };
  const cwd = join(root, "repo");
  const loaded = await loadConfig({ cwd, env });
  return { loaded, resolve: (name: string) => resolveModel(name, { loaded, env, cwd }) };
}

describe("pooled models ([models.NAME] upstreams)", () => {
  it("resolves each member with its weight, limit, model and key; a local model may be one", async () => {
    const { resolve } = await setup(
      [
        'api_key_env = "TOP_KEY"',
        "[models.team]",
        'model = "qwen"',
        "upstreams = [",
        '  { base_url = "http://10.0.0.1:8000/v1", weight = 2, max_concurrent = 4, api_key_env = "VLLM_KEY" },',
        '  { base_url = "http://10.0.0.2:8000/v1", model = "qwen-b", api = "responses" },',
        '  { model = "local:/models/tiny.gguf" },',
        "]",
      ].join("\n"),
      "",
    );
    const resolved = resolve("team");
    expect(resolved.pool?.map((member) => member.id)).toEqual(["http://10.0.0.1:8000/v1#qwen", "http://10.0.0.2:8000/v1#qwen-b", "local:/models/tiny.gguf"]);
    expect(resolved.pool?.[0]).toMatchObject({ weight: 2, maxConcurrent: 4, target: { kind: "remote", model: "qwen", apiKeyEnv: "VLLM_KEY", api: "chat" } });
    // A member of the user's own pool without a key of its own gets the user's default key, as [models.X] base_url does.
    expect(resolved.pool?.[1]).toMatchObject({ weight: 1, maxConcurrent: 16, target: { model: "qwen-b", apiKeyEnv: "TOP_KEY", api: "responses" } });
    expect(resolved.pool?.[2]?.target).toEqual({ kind: "local", path: "/models/tiny.gguf" });
    expect(resolved.target).toEqual(resolved.pool?.[0]?.target);
  });

  it("lets a project's config neither redirect the user's pool nor send any key to its own", async () => {
    const { loaded, resolve } = await setup(
      ['api_key_env = "TOP_KEY"', "[models.team]", 'upstreams = [{ base_url = "https://mine.example/v1", api_key_env = "MINE" }]'].join("\n"),
      [
        "[models.team]",
        'upstreams = [{ base_url = "http://127.0.0.1:9/v1" }]',
        "[models.lab]",
        'upstreams = [{ base_url = "http://127.0.0.1:9/v1", api_key_env = "AWS_SECRET_ACCESS_KEY" }, { base_url = "http://127.0.0.1:8/v1" }]',
      ].join("\n"),
    );
    expect(resolve("team").pool?.map((member) => member.target)).toEqual([{ kind: "remote", provider: "custom", model: "team", baseUrl: "https://mine.example/v1", api: "chat", apiKeyEnv: "MINE" }]);
    const lab = resolve("lab").pool ?? [];
    expect(lab).toHaveLength(2);
    for (const member of lab) expect(member.target).not.toHaveProperty("apiKeyEnv");
    const warnings = loaded.warnings.join("\n");
    expect(warnings).toContain("models.team.upstreams");
    expect(warnings).toContain("models.lab.upstreams[0].api_key_env");
  });

  it("says which member is wrong and which file set it", async () => {
    await expect(setup(["[models.team]", 'upstreams = [{ base_url = "http://10.0.0.1/v1" }, { model = "qwen", weight = 0 }]'].join("\n"), "")).rejects.toThrow(
      /upstreams\.1\.weight.*\n?.*|each member needs base_url/,
    );
    let message = "";
    try {
      await setup(["[models.team]", 'upstreams = [{ model = "qwen" }]'].join("\n"), "");
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/models\.team\.upstreams\.0.*each member needs base_url/);
    expect(message).toContain("config.toml");
  });
});
