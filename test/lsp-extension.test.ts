/**
 * The VS Code extension's own logic, without VS Code: how it starts `spark lsp` from its settings, what
 * its status bar says, and that its manifest and its copies of the protocol names agree with the server.
 * (The extension is packaged into a .vsix by extensions/vscode/scripts/package-vsix.sh in CI.)
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { commands as serverCommands, defaultLspSettings, metricsNotification as serverMetricsNotification } from "../src/lsp/index.js";
import {
  commands,
  defaultSettings,
  initializationOptions,
  metricsNotification,
  readSettings,
  serverCommand,
  statusText,
  type SparkSettings,
} from "../extensions/vscode/src/server-options.js";

const manifest = JSON.parse(readFileSync(new URL("../extensions/vscode/package.json", import.meta.url), "utf8")) as {
  main: string;
  engines: { vscode: string };
  devDependencies: Record<string, string>;
  contributes: { commands: { command: string }[]; configuration: { properties: Record<string, { default: unknown }> } };
};

describe("the VS Code extension", () => {
  it("starts spark lsp with the model, review model and server URL from its settings", () => {
    const settings: SparkSettings = { ...defaultSettings, model: "local:/m/fast.gguf", reviewModel: "review", serverUrl: " http://127.0.0.1:8080/v1 " };
    expect(serverCommand(settings)).toEqual({
      command: "spark",
      args: ["lsp", "--stdio", "--model", "local:/m/fast.gguf", "--review-model", "review", "--base-url", "http://127.0.0.1:8080/v1"],
    });
    expect(serverCommand({ ...defaultSettings, path: "/src/spark/bin/spark.js" }, "/usr/bin/node")).toEqual({ command: "/usr/bin/node", args: ["/src/spark/bin/spark.js", "lsp", "--stdio"] });
    expect(initializationOptions({ ...defaultSettings, debounceMs: 0 })).toEqual({ debounceMs: 0, maxCompletionTokens: 96 });
  });

  it("falls back to the defaults for unusable settings, and the defaults are the server's", () => {
    const values: Record<string, unknown> = { model: 42, debounceMs: -5, maxCompletionTokens: 0, serverUrl: "http://x/v1" };
    expect(readSettings((key) => values[key])).toEqual({ ...defaultSettings, serverUrl: "http://x/v1" });
    expect(defaultSettings.debounceMs).toBe(defaultLspSettings.debounceMs);
    expect(defaultSettings.maxCompletionTokens).toBe(defaultLspSettings.maxCompletionTokens);
    const properties = manifest.contributes.configuration.properties;
    expect(properties["spark.debounceMs"]?.default).toBe(defaultSettings.debounceMs);
    expect(properties["spark.maxCompletionTokens"]?.default).toBe(defaultSettings.maxCompletionTokens);
    expect(Object.keys(properties)).toEqual(expect.arrayContaining(["spark.model", "spark.reviewModel", "spark.serverUrl", "spark.debounceMs", "spark.path"]));
  });

  it("shows the role, the model and the last call's speed in the status bar", () => {
    expect(statusText(undefined, undefined)).toBe("$(zap) Spark fast");
    const metrics = { kind: "completion" as const, model: "local:/models/qwen-coder.gguf", role: "review" as const, mode: "fim", finish: "stop", ttftMs: 41.6, tokensPerSecond: 1234.4, outputTokens: 12, totalMs: 60 };
    expect(statusText({ role: "fast", model: "spark" }, metrics)).toBe("$(zap) Spark review: qwen-coder.gguf · 1,234 tok/s · 42 ms");
  });

  it("names the server's commands and notification as the server does, and contributes them", () => {
    expect(commands.editSelection).toBe(serverCommands.editSelection);
    expect(commands.toggleModel).toBe(serverCommands.toggleModel);
    expect(metricsNotification).toBe(serverMetricsNotification);
    expect(manifest.contributes.commands.map((command) => command.command)).toEqual(Object.values(commands));
    expect(manifest.main).toBe("./out/extension.js");
    // vsce refuses a package whose @types/vscode is newer than the VS Code it declares.
    expect(manifest.engines.vscode).toBe(`^${manifest.devDependencies["@types/vscode"]}`);
  });
});
