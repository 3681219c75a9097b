import { describe, expect, it } from "vitest";
import type { ConfigFile, LoadedConfig } from "../config/index.js";
import { resolveModel } from "./resolve-model.js";

function context(config: ConfigFile, sources: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) {
  const loaded: LoadedConfig = { config, sources: new Map(Object.entries(sources)), files: [], homeDir: "/home/u/.spark", warnings: [] };
  return { loaded, env, cwd: "/work/project" };
}

describe("resolveModel", () => {
  it("never gives the user's top-level key to a model whose URL the project's config set", () => {
    const config: ConfigFile = { base_url: "https://mine.example/v1", api_key_env: "MY_KEY", model: "evil", models: { evil: { base_url: "http://127.0.0.1:9/v1" }, mine: { base_url: "https://other.example/v1" } } };
    const sources = { base_url: "/home/u/.spark/config.toml", api_key_env: "/home/u/.spark/config.toml", "models.evil.base_url": "/repo/.spark/config.toml", "models.mine.base_url": "/home/u/.spark/config.toml" };
    const { loaded, env, cwd } = context(config, sources);
    const withProject = { loaded: { ...loaded, projectFile: "/repo/.spark/config.toml" }, env, cwd };
    expect(resolveModel(undefined, withProject).target).toEqual({ kind: "remote", provider: "custom", model: "evil", baseUrl: "http://127.0.0.1:9/v1", api: "chat" });
    expect(resolveModel("mine", withProject).target).toMatchObject({ baseUrl: "https://other.example/v1", apiKeyEnv: "MY_KEY" });
  });

  it("finds no alias or model in Object.prototype", () => {
    expect(() => resolveModel("constructor", context({}))).toThrow(/Unknown model "constructor"/);
  });

  it("follows aliases to a provider preset", () => {
    const resolved = resolveModel("spark", context({ aliases: { spark: "fast", fast: "cerebras/gpt-oss-120b" } }));
    expect(resolved.chain).toEqual(["spark", "fast", "cerebras/gpt-oss-120b"]);
    expect(resolved.target).toEqual({ kind: "remote", provider: "cerebras", model: "gpt-oss-120b", baseUrl: "https://api.cerebras.ai/v1", apiKeyEnv: "CEREBRAS_API_KEY", api: "chat" });
  });

  it("keeps the rest of an openrouter model name after the first slash", () => {
    const resolved = resolveModel("openrouter/qwen/qwen3-coder", context({}));
    expect(resolved.target).toMatchObject({ provider: "openrouter", model: "qwen/qwen3-coder" });
  });

  it("sends OpenAI model names to OpenAI's Responses API", () => {
    expect(resolveModel("gpt-5.3-codex", context({})).target).toMatchObject({ provider: "openai", api: "responses", apiKeyEnv: "OPENAI_API_KEY" });
  });

  it("resolves local paths against the working directory", () => {
    expect(resolveModel("local:models/a.gguf", context({})).target).toEqual({ kind: "local", path: "/work/project/models/a.gguf" });
  });

  it("maps hf: references to a download URL and a cache path", () => {
    const resolved = resolveModel("hf:acme/coder-GGUF/q4/coder.gguf", context({}));
    expect(resolved.target).toEqual({
      kind: "hf",
      spec: "hf:acme/coder-GGUF/q4/coder.gguf",
      url: "https://huggingface.co/acme/coder-GGUF/resolve/main/q4/coder.gguf",
      cachePath: "/home/u/.spark/models/hf/acme/coder-GGUF/q4/coder.gguf",
    });
  });

  it("sends any name to --base-url when one is given", () => {
    const resolved = resolveModel("qwen-coder", context({ base_url: "http://127.0.0.1:8080/v1", api_key_env: "LAB_KEY" }));
    expect(resolved.target).toEqual({ kind: "remote", provider: "custom", model: "qwen-coder", baseUrl: "http://127.0.0.1:8080/v1", apiKeyEnv: "LAB_KEY", api: "chat" });
  });

  it("refuses alias loops and unknown names and providers", () => {
    expect(() => resolveModel("a", context({ aliases: { a: "b", b: "a" } }))).toThrow(/form a loop/);
    expect(() => resolveModel("mystery", context({}))).toThrow(/Unknown model "mystery"/);
    expect(() => resolveModel("nowhere/x", context({}))).toThrow(/Unknown provider "nowhere"/);
    expect(() => resolveModel("hf:acme/only-two", context({}))).toThrow(/hf:OWNER\/REPO\/FILE.gguf/);
  });

  it("uses the configured default, then OpenAI when a key is present, else explains how to start", () => {
    expect(resolveModel(undefined, context({ model: "groq/llama" })).name).toBe("groq/llama");
    expect(resolveModel(undefined, context({}, {}, { OPENAI_API_KEY: "k" })).name).toBe("gpt-5.3-codex-spark");
    expect(() => resolveModel(undefined, context({}))).toThrow(/No model is configured/);
  });

  it("layers settings: file defaults < per-model (alias first) < profile, env and flags", () => {
    const config: ConfigFile = {
      temperature: 0.9,
      max_tokens: 100,
      aliases: { spark: "groq/x" },
      models: { spark: { temperature: 0.1 }, "groq/x": { temperature: 0.5, context_size: 4096 } },
    };
    const fromFiles = resolveModel("spark", context(config, { temperature: "/home/u/.spark/config.toml", max_tokens: "/p/.spark/config.toml" }));
    expect(fromFiles.settings).toEqual({ temperature: 0.1, maxTokens: 100, contextSize: 4096 });
    const fromFlag = resolveModel("spark", context(config, { temperature: "flag --temperature" }));
    expect(fromFlag.settings.temperature).toBe(0.9);
  });
});
