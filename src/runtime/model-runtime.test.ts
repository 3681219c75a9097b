import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureAltVocabModel, ensureTestModel } from "../../test/support/tiny-gguf.js";
import type { ConfigFile, LoadedConfig } from "../config/index.js";
import type { StreamEvent } from "../core/index.js";
import type { ModelClient } from "../models/index.js";
import { ModelRuntime, type RuntimeOptions } from "./model-runtime.js";
import { ModelSwitcher } from "./model-switcher.js";

function runtimeWith(config: ConfigFile, options: Partial<RuntimeOptions> = {}): ModelRuntime {
  // A Spark home of its own: the local engine keeps its KV states there.
  const loaded: LoadedConfig = { config, sources: new Map(), files: [], homeDir: join(mkdtempSync(join(tmpdir(), "spark-runtime-")), ".spark"), warnings: [] };
  return new ModelRuntime({ loaded, env: {}, cwd: "/", ...options });
}

async function finishOf(client: ModelClient): Promise<StreamEvent | undefined> {
  let last: StreamEvent | undefined;
  for await (const event of client.stream({ messages: [{ role: "user", content: "hi" }], maxTokens: 3, temperature: 0 })) last = event;
  return last;
}

describe("ModelRuntime roles", () => {
  it("names the review and compact roles by the review alias, as an alias or a [models] entry", () => {
    expect(runtimeWith({ aliases: { review: "gpt-5" } }).roleName("review")).toBe("review");
    expect(runtimeWith({ models: { review: { model: "gpt-5" } } }).roleName("compact")).toBe("review");
    expect(runtimeWith({}).roleName("review")).toBeUndefined();
    expect(runtimeWith({}).roleName("compact")).toBeUndefined();
  });

  it("lets --review-model, -m and [context] compact_model choose", () => {
    const runtime = runtimeWith({ aliases: { review: "gpt-5" }, context: { compact_model: "gpt-5-mini" } }, { fastModel: "spark", reviewModel: "gpt-5.1" });
    expect([runtime.roleName("fast"), runtime.roleName("review"), runtime.roleName("compact")]).toEqual(["spark", "gpt-5.1", "gpt-5-mini"]);
  });

  it("finds no model in Object.prototype", () => {
    expect(runtimeWith({}).isConfigured("constructor")).toBe(false);
  });
});

describe("ModelRuntime engine", () => {
  let tiny: string;
  let alt: string;
  beforeAll(async () => {
    tiny = await ensureTestModel();
    alt = await ensureAltVocabModel();
  });
  const localConfig = (): ConfigFile => ({ model: `local:${tiny}`, aliases: { review: `local:${alt}` }, local: { threads: 1 } });

  it("shares one engine, created once, between the fast and the review model", async () => {
    const runtime = runtimeWith(localConfig());
    try {
      const engine = runtime.localEngine();
      expect(runtime.localEngine()).toBe(engine);
      const fast = await runtime.open(runtime.roleName("fast"));
      const review = await runtime.open(runtime.roleName("review"));
      expect([fast.resolved.target.kind, review.resolved.target.kind]).toEqual(["local", "local"]);
      expect(await finishOf(fast.client)).toMatchObject({ type: "finish" });
      expect(await finishOf(review.client)).toMatchObject({ type: "finish" });
      expect(runtime.localEngine()).toBe(engine);
      expect(runtime.dependencies.localEngine()).toBe(engine);
    } finally {
      await runtime.dispose();
    }
  });

  it("keeps the engine when the session switches model", async () => {
    const models = await ModelSwitcher.open(runtimeWith(localConfig()));
    try {
      const engine = models.runtime.localEngine();
      expect(models.toggleTarget()).toBe("review");
      const review = await models.switchTo(models.toggleTarget());
      expect(models.current).toBe(review);
      expect(models.toggleTarget()).toBe("spark");
      expect(await finishOf(review.client)).toMatchObject({ type: "finish" });
      expect(models.runtime.localEngine()).toBe(engine);
    } finally {
      await models.dispose();
    }
  });

  it("disposes once, and opens nothing after", async () => {
    const runtime = runtimeWith(localConfig());
    const fast = await runtime.openFast();
    expect(await finishOf(fast.client)).toMatchObject({ type: "finish" });
    const disposed = runtime.dispose();
    expect(runtime.dispose()).toBe(disposed);
    await disposed;
    await expect(runtime.localEngine()).rejects.toThrow(/disposed/);
    await expect(runtime.open("gpt-5")).rejects.toThrow(/disposed/);
  });

  it("disposes the runtime when the fast model cannot be opened", async () => {
    // No OPENAI_API_KEY in its env.
    const runtime = runtimeWith({ model: "gpt-5" });
    await expect(ModelSwitcher.open(runtime)).rejects.toThrow(/OPENAI_API_KEY/);
    await expect(runtime.open("gpt-5")).rejects.toThrow(/disposed/);
  });
});
