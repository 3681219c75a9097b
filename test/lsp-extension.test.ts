/**
 * The VS Code extension's own logic, without VS Code: how it starts `spark lsp` from its settings, what
 * its status bar says, and that its manifest and its copies of the protocol names agree with the server.
 * (The extension is packaged into a .vsix by extensions/vscode/scripts/package-vsix.sh in CI.)
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ResponseError } from "vscode-jsonrpc/node";
import {
  commands as serverCommands,
  defaultLspSettings,
  metricsNotification as serverMetricsNotification,
  statusNotification as serverStatusNotification,
} from "../src/lsp/index.js";
import {
  commands,
  defaultSettings,
  initializationOptions,
  metricsNotification,
  readSettings,
  serverCommand,
  statusNotification,
  statusText,
  statusTooltip,
  type SparkSettings,
} from "../extensions/vscode/src/server-options.js";
import { startServerProcess } from "../extensions/vscode/src/server-process.js";
import { editFailureMessage, startFailureMessage, type StartFailure } from "../extensions/vscode/src/user-messages.js";
import { sparkBin, tempDir } from "./support/run-spark.js";

const manifest = JSON.parse(readFileSync(new URL("../extensions/vscode/package.json", import.meta.url), "utf8")) as {
  main: string;
  engines: { vscode: string };
  devDependencies: Record<string, string>;
  contributes: { commands: { command: string }[]; configuration: { properties: Record<string, { default: unknown; scope?: string }> } };
  capabilities: { untrustedWorkspaces: { supported: boolean | string; restrictedConfigurations?: string[] } };
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

  it("never takes the executable or the server URL from a workspace's settings (a hostile repository's .vscode/settings.json)", () => {
    const properties = manifest.contributes.configuration.properties;
    // "machine": user settings only, so a repository cannot point spark.path at its own program, or
    // spark.serverUrl (and the key sent with it) at its own server.
    expect(properties["spark.path"]?.scope).toBe("machine");
    expect(properties["spark.serverUrl"]?.scope).toBe("machine");
    expect(manifest.capabilities.untrustedWorkspaces.supported).toBe("limited");
    expect(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations).toEqual(["spark.model", "spark.reviewModel"]);
  });

  it("shows the role, the model and the last call's speed in the status bar", () => {
    expect(statusText(undefined, undefined)).toBe("$(zap) Spark fast");
    const metrics = { kind: "completion" as const, model: "local:/models/qwen-coder.gguf", role: "review" as const, mode: "fim", finish: "stop", ttftMs: 41.6, tokensPerSecond: 1234.4, outputTokens: 12, totalMs: 60 };
    expect(statusText({ role: "fast", model: "spark" }, metrics)).toBe("$(zap) Spark review: qwen-coder.gguf · 1,234 tok/s · 42 ms");
  });

  it("says in the status bar that the model is loading, and why it cannot be used", () => {
    const loading = { state: "loading" as const, role: "fast" as const, model: "local:/m/tiny.gguf" };
    expect(statusText(undefined, undefined, loading)).toBe("$(loading~spin) Spark fast: loading model…");
    expect(statusTooltip(undefined, undefined, loading)).toContain("loading local:/m/tiny.gguf");
    const failed = { state: "failed" as const, role: "fast" as const, model: "local:/m/x.gguf", message: "Cannot load /m/x.gguf: not a GGUF file." };
    expect(statusText(undefined, undefined, failed)).toBe("$(error) Spark fast: model failed");
    expect(statusTooltip(undefined, undefined, failed)).toContain("Cannot load /m/x.gguf: not a GGUF file.");
  });

  it("names the server's commands and notification as the server does, and contributes them", () => {
    expect(commands.editSelection).toBe(serverCommands.editSelection);
    expect(commands.toggleModel).toBe(serverCommands.toggleModel);
    expect(metricsNotification).toBe(serverMetricsNotification);
    expect(statusNotification).toBe(serverStatusNotification);
    expect(manifest.contributes.commands.map((command) => command.command)).toEqual(Object.values(commands));
    expect(manifest.main).toBe("./out/extension.js");
    // vsce refuses a package whose @types/vscode is newer than the VS Code it declares.
    expect(manifest.engines.vscode).toBe(`^${manifest.devDependencies["@types/vscode"]}`);
  });
});

/** How the process ended, bounded in time. */
function endOf(command: string, args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "" }): Promise<StartFailure> {
  const server = startServerProcess(command, args, env);
  return Promise.race([server.ended, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${command} ${args.join(" ")} did not end within 30 s`)), 30_000))]);
}

describe("what the VS Code extension tells the user", () => {
  it("reports a failed edit once, in the user's words, with what to do; a cancelled edit not at all", () => {
    // What vscode-languageclient rejects with when the server's edit fails (the server's message, code -32603).
    const refused = new ResponseError(-32603, "The patch did not apply. src/x.ts: hunk 1: the SEARCH text was not found");
    const message = editFailureMessage(refused);
    expect(message?.text).toBe("Spark could not edit the selection: The patch did not apply. Try again, or select more of the code around the change; the model's answer is in the log.");
    expect(message?.log).toBe(true);
    expect(message?.text).not.toMatch(/-32603|Request workspace\/executeCommand/);
    expect(editFailureMessage(new ResponseError(-32603, "The model call failed: connect ECONNREFUSED 127.0.0.1:9"))).toMatchObject({ setting: "spark.model" });
    expect(editFailureMessage(new ResponseError(-32800, "cancelled"))).toBeUndefined();
    expect(editFailureMessage(new ResponseError(-32603, "The edit was cancelled."))).toBeUndefined();
    expect(editFailureMessage(new Error("Client is not running and can't be started. It's current state is: startFailed"))?.text).toMatch(/not running\. Run "Spark: Restart Language Server"/);
  });

  it("explains a server that cannot start: a missing executable", async () => {
    const failure = await endOf("spark-not-installed-here", ["lsp", "--stdio"]);
    expect(failure.spawnError?.code).toBe("ENOENT");
    const message = startFailureMessage(failure);
    expect(message.text).toMatch(/^Spark could not start its language server: `spark-not-installed-here` was not found\. Set spark\.path/);
    expect(message.setting).toBe("spark.path");
  });

  it("explains a server that cannot start: a clone that is not built", async () => {
    const clone = tempDir("spark-unbuilt-");
    mkdirSync(join(clone, "bin"));
    copyFileSync(sparkBin, join(clone, "bin", "spark.js"));
    const { command, args } = serverCommand({ ...defaultSettings, path: join(clone, "bin", "spark.js") }, process.execPath);
    const failure = await endOf(command, args);
    expect(failure.exitCode).toBe(1);
    const message = startFailureMessage(failure);
    expect(message.text).toContain("is a clone that is not built. Run `npm install` and `npm run build` in it");
    expect(message.setting).toBe("spark.path");
  });

  it("explains a server that cannot start: a model name that resolves to nothing", async () => {
    const home = tempDir("spark-ext-home-");
    const { command, args } = serverCommand({ ...defaultSettings, path: sparkBin, model: "no-such-provider/no-such-model" }, process.execPath);
    const failure = await endOf(command, args, { PATH: process.env.PATH ?? "", HOME: home, SPARK_HOME: join(home, ".spark") });
    expect(failure.exitCode).toBe(1);
    const message = startFailureMessage(failure);
    expect(message.text).toMatch(/^Spark could not start its language server: Unknown provider "no-such-provider"/);
    expect(message.text).toContain("Check the settings spark.model");
    expect(message.setting).toBe("spark.model");
    expect(message.text).not.toMatch(/\n|\s{4}at /);
  });

  it("explains a server that cannot start: a Node.js that is too old", () => {
    // What bin/spark.js prints on an old Node.js (it checks before loading anything).
    const stderr = "Spark needs Node.js 20.9 or later; this is Node.js 18.19.0 (/usr/bin/node).\n";
    const message = startFailureMessage({ command: "/usr/bin/node", args: ["/src/spark/bin/spark.js", "lsp", "--stdio"], exitCode: 1, signal: null, stderr });
    expect(message.text).toBe(
      "Spark could not start its language server: Spark needs Node.js 20.9 or later; this is Node.js 18.19.0 (/usr/bin/node). Install a newer Node.js, or set spark.path to a spark installed with one.",
    );
    expect(message.setting).toBe("spark.path");
  });
});
