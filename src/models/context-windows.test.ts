import { describe, expect, it } from "vitest";
import { knownContextWindow } from "./context-windows.js";
import { modelContextWindow } from "./model-context-window.js";
import type { ModelClient } from "./model-client.js";
import type { ResolvedModel } from "./model-target.js";

const remote = (model: string, contextSize?: number): ResolvedModel => ({
  name: model,
  chain: [model],
  target: { kind: "remote", provider: "custom", model, baseUrl: "http://127.0.0.1:1/v1", api: "chat" },
  settings: contextSize === undefined ? {} : { contextSize },
});
const client = (window?: number): ModelClient => ({
  displayName: "m",
  supportsPrediction: false,
  stream: () => (async function* () {})(),
  close: async () => undefined,
  ...(window === undefined ? {} : { contextWindow: async () => window }),
});

describe("context windows", () => {
  it("knows the fast model's window is smaller than the standard model's", () => {
    expect(knownContextWindow("gpt-5.3-codex-spark")).toBe(128_000);
    expect(knownContextWindow("gpt-5.3-codex")).toBe(400_000);
    expect(knownContextWindow("cerebras/gpt-oss-120b")).toBe(131_072);
    expect(knownContextWindow("my-own-model")).toBeUndefined();
  });

  it("takes the model's own window first, then config, then the table, then an assumption", async () => {
    expect(await modelContextWindow(client(2048), remote("gpt-5.3-codex", 9000))).toEqual({ tokens: 2048, source: "model" });
    expect(await modelContextWindow(client(), remote("gpt-5.3-codex", 9000))).toEqual({ tokens: 9000, source: "config" });
    expect(await modelContextWindow(client(), remote("gpt-5.3-codex-spark"))).toEqual({ tokens: 128_000, source: "preset" });
    expect((await modelContextWindow(client(), remote("mystery"))).source).toBe("assumed");
  });
});
