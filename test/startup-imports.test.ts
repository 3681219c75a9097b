import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { commandTable } from "../src/cli/definitions/command-table.js";
import { sparkBin, tempDir } from "./support/run-spark.js";

/**
 * Start-up stays light: `spark --version`, and `--help` and each command's help on a pipe, are answered by
 * bin/spark.js alone; other help loads commander and Spark's command definitions, nothing else; `spark apply --check` loads the patch engine, not
 * SQLite, a model SDK or the local engine, nor zod and the TOML parser unless a config layer exists; `spark lsp` and `spark mcp` answer `initialize` without a model
 * SDK, the local engine, the gateway or the terminal UI. Every module the built CLI loads is recorded by a
 * module hook (test/support/import-recorder), so this checks what is imported, not how long it takes
 * (timings are `npm run bench -- startup`). The CLI is an esbuild bundle (scripts/build-cli.mjs): a loaded
 * bundle file counts as every source and package it holds, read from the build's metafile.
 */
const recorder = fileURLToPath(new URL("./support/import-recorder/register.mjs", import.meta.url));
const repoRoot = fileURLToPath(new URL("../", import.meta.url));
const distDir = join(repoRoot, "dist") + sep;

interface BundleMeta {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}
const bundleMeta = JSON.parse(readFileSync(join(distDir, "bundle-meta.json"), "utf8")) as BundleMeta;

/** Packages no start-up path may load before it needs them. */
const HEAVY = ["node-llama-cpp", "@node-llama-cpp", "ink", "react", "better-sqlite3", "fastify", "openai", "@modelcontextprotocol/sdk", "vscode-languageserver", "ioredis", "ws", "prom-client", "zod", "smol-toml"];

interface Loaded {
  code: number | null;
  stdout: string;
  stderr: string;
  /** npm packages loaded, by name. */
  packages: Set<string>;
  /** Spark's own modules loaded, as their source's place under src/, named .js (e.g. "cli/main.js"). */
  spark: Set<string>;
  /** Every source and package file inside what was loaded, as the metafile names them (e.g. "node_modules/zod/…"). */
  inputs: string[];
  /** Files Node loaded from dist/ and node_modules: the bundle keeps this to a few. */
  files: number;
}

function packageOf(path: string): string | undefined {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return match?.[1];
}

/** The inputs (e.g. "src/cli/main.ts", "node_modules/zod/…") of a bundle file in dist/. */
function bundleInputs(file: string): string[] {
  const output = bundleMeta.outputs[file.slice(repoRoot.length).split(sep).join("/")];
  if (output === undefined) throw new Error(`${file} is not in dist/bundle-meta.json: run \`npm run build\``);
  return Object.keys(output.inputs);
}

/**
 * Runs the built CLI under the recorder. `stdin` is written at once; with `until`, stdin stays open until
 * stdout matches it (a server's answer), then closes, which ends `spark lsp` and `spark mcp`.
 */
function runRecorded(args: string[], options: { cwd?: string; stdin?: string; until?: RegExp; userConfig?: string } = {}): Promise<Loaded> {
  const home = tempDir("spark-startup-home-");
  const log = join(home, "imports.log");
  writeFileSync(log, "");
  const env = { PATH: process.env.PATH ?? "", HOME: home, SPARK_HOME: join(home, ".spark"), SPARK_IMPORT_LOG: log };
  if (options.userConfig !== undefined) {
    mkdirSync(env.SPARK_HOME);
    writeFileSync(join(env.SPARK_HOME, "config.toml"), options.userConfig);
  }
  const child = spawn(process.execPath, ["--import", recorder, sparkBin, ...args], { cwd: options.cwd ?? home, env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const until = options.until;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    if (until !== undefined && until.test(stdout)) child.stdin.end();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  child.stdin.write(options.stdin ?? "");
  if (until === undefined) child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      const files = [...new Set(readFileSync(log, "utf8").split("\n").filter((url) => url.startsWith("file://")))].map((url) => fileURLToPath(url));
      // A bundle file stands for the sources and packages it holds; an external package is loaded as itself.
      const paths = files.flatMap((file) => (file.startsWith(distDir) ? bundleInputs(file) : [file]));
      const packages = new Set(paths.flatMap((path) => packageOf(path) ?? []));
      const spark = new Set(paths.filter((path) => path.startsWith("src/")).map((path) => path.slice("src/".length).replace(/\.tsx?$/, ".js")));
      resolve({ code, stdout, stderr, packages, spark, inputs: paths, files: files.filter((file) => file.startsWith(distDir) || file.includes("/node_modules/")).length });
    });
  });
}

/** What the bundled CLI itself (not the launcher) prints for `args`, on a pipe. */
function liveCli(args: string[]): string {
  const home = tempDir("spark-startup-live-");
  return execFileSync(process.execPath, [join(distDir, "cli", "main.js"), ...args], { cwd: home, env: { PATH: process.env.PATH ?? "", HOME: home, SPARK_HOME: join(home, ".spark") }, encoding: "utf8" });
}

const heavyIn = (loaded: Loaded): string[] => HEAVY.filter((name) => loaded.packages.has(name));

/** One JSON-RPC message with its Content-Length header, as LSP clients send them. */
function lspFrame(message: object): string {
  const body = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

describe("start-up imports of the built CLI", () => {
  it("--version is answered by the launcher: no bundle file, no package", async () => {
    for (const args of [["--version"], ["-V"]]) {
      const loaded = await runRecorded(args);
      expect(loaded.code, `spark ${args.join(" ")}: ${loaded.stderr}`).toBe(0);
      expect(loaded.stdout).toBe(`${(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version}\n`);
      expect([...loaded.packages], `spark ${args.join(" ")}`).toEqual([]);
      expect(loaded.files, `spark ${args.join(" ")}`).toBe(0);
    }
    // Anything more than the bare flag is commander's to parse, as before.
    const withMore = await runRecorded(["--version", "--json"]);
    expect(withMore.code, withMore.stderr).toBe(0);
    expect([...withMore.packages]).toEqual(["commander"]);
  });

  it("--help on a pipe prints the help commander rendered at build time: no bundle file, every command, each one's options", async () => {
    const names = Object.keys(commandTable);
    const topics = [["--help"], ["-h"], ["help"], ["help", "apply"], ["mcp", "-h"], ...names.map((name) => [name, "--help"])];
    for (const args of topics) {
      const loaded = await runRecorded(args);
      expect(loaded.code, `spark ${args.join(" ")}: ${loaded.stderr}`).toBe(0);
      expect(loaded.files, `spark ${args.join(" ")}`).toBe(0);
      // The same text as the CLI's own commander renders now (so a stale or missing help.json would fail here).
      expect(loaded.stdout, `spark ${args.join(" ")}`).toBe(liveCli(args));
    }
    // Only the file's own topics: `spark constructor --help` is commander's to answer (a task, so the root help).
    const inherited = await runRecorded(["constructor", "--help"]);
    expect(inherited.files).toBeGreaterThan(0);
    expect(inherited.stdout).toBe(liveCli(["constructor", "--help"]));
    const root = liveCli(["--help"]);
    for (const name of names) expect(root, name).toMatch(new RegExp(`^ {2}${name}\\b`, "m"));
    expect(liveCli(["apply", "--help"])).toMatch(/--check +validate and report what would happen/);
  }, 120_000);

  it("help the launcher has not rendered goes to the CLI: commander and the command definitions only", async () => {
    for (const args of [["help", "keys", "create"], ["keys", "create", "--help"], ["exec", "--help", "--json"], ["lsp", "--help", "--debounce-ms", "5"]]) {
      const loaded = await runRecorded(args);
      expect(loaded.code, `spark ${args.join(" ")}: ${loaded.stderr}`).toBe(0);
      expect(loaded.stdout, `spark ${args.join(" ")}`).toMatch(/^Usage: spark /);
      expect([...loaded.packages], `spark ${args.join(" ")}`).toEqual(["commander"]);
      // Spark's side: the program, the definitions and the few small helpers they use; no command's code.
      const commandCode = [...loaded.spark].filter((file) => /^cli\/commands\//.test(file) && file !== "cli/commands/mistyped-command.js");
      expect(commandCode, `spark ${args.join(" ")}`).toEqual([]);
      // lsp/lsp-settings.js: the defaults `spark lsp --help` shows, a file of constants.
      const beyond = [...loaded.spark].filter((file) => !/^(cli|core)\//.test(file) && file !== "lsp/lsp-settings.js");
      expect(beyond, `spark ${args.join(" ")}`).toEqual([]);
      // The bundle: a few files (main.js, chunks it shares with commands) instead of one per source (41 before).
      expect(loaded.files, `spark ${args.join(" ")}`).toBeLessThanOrEqual(6);
    }
  });

  it("the recorder sees modules a command imports when it runs (the check above can fail)", async () => {
    const loaded = await runRecorded(["config", "--json"], { userConfig: 'model = "gpt-4o-mini"\n' });
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.packages.has("smol-toml")).toBe(true);
    expect(loaded.spark.has("config/validate-config.js")).toBe(true);
    expect(loaded.spark.has("cli/commands/config-command.js")).toBe(true);
  });

  it("apply --check loads the patch engine only: no zod, no TOML parser, no SQLite, model or server", async () => {
    const workspace = tempDir("spark-startup-ws-");
    writeFileSync(join(workspace, "a.txt"), "one\ntwo\nthree\n");
    writeFileSync(join(workspace, "fix.patch"), "*** Begin Patch\n*** Update File: a.txt\n@@\n one\n-two\n+2\n three\n*** End Patch\n");
    writeFileSync(join(workspace, "fix.json"), JSON.stringify({ path: "a.txt", old_string: "two", new_string: "2" }));
    for (const patch of ["fix.patch", "fix.json"]) {
      const loaded = await runRecorded(["apply", "--check", patch], { cwd: workspace });
      expect(loaded.code, loaded.stderr).toBe(0);
      expect(loaded.stdout).toMatch(/would be applied/);
      // Nothing is configured, so nothing is validated: zod and smol-toml stay unloaded (the config's
      // validation is imported when a layer exists; the JSON edit shape is checked without zod).
      expect(heavyIn(loaded), patch).toEqual([]);
      expect(loaded.spark.has("config/validate-config.js"), patch).toBe(false);
      expect(loaded.files, patch).toBeLessThanOrEqual(12);
      expect([...loaded.spark].filter((file) => /^(runtime|models|agent|store|gateway|mcp|sandbox)\//.test(file) || file === "lsp/index.js")).toEqual([]);
    }
    expect(readFileSync(join(workspace, "a.txt"), "utf8")).toBe("one\ntwo\nthree\n");
  });

  it("apply --check with a config validates it as before: its [sandbox] protected applies, a wrong key is refused", async () => {
    const workspace = tempDir("spark-startup-ws-");
    mkdirSync(join(workspace, "secret"));
    writeFileSync(join(workspace, "secret", "a.txt"), "one\n");
    writeFileSync(join(workspace, "fix.patch"), "*** Begin Patch\n*** Update File: secret/a.txt\n@@\n-one\n+1\n*** End Patch\n");
    const guarded = await runRecorded(["apply", "--check", "fix.patch"], { cwd: workspace, userConfig: '[sandbox]\nprotected = ["secret/**"]\n' });
    expect(guarded.code, guarded.stderr).toBe(1);
    expect(guarded.stdout).toMatch(/protected/);
    expect(guarded.packages.has("zod") && guarded.packages.has("smol-toml")).toBe(true);
    // zod comes without its ~50 locales (English only: scripts/build-cli.mjs).
    expect(guarded.inputs.filter((input) => /zod\/v4\/locales\/(?!index\.js$|en\.js$)/.test(input))).toEqual([]);
    expect(guarded.inputs.some((input) => input.endsWith("zod/v4/locales/en.js"))).toBe(true);
    const wrong = await runRecorded(["apply", "--check", "fix.patch"], { cwd: workspace, userConfig: "[sandbox]\nprotect = 1\n" });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/config\.toml has invalid settings:\n {2}- unknown key `protect` in `sandbox`/);
  });

  it("lsp and mcp answer initialize without a model SDK, the local engine, the gateway or the terminal UI", async () => {
    const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } };
    const notLoaded = ["node-llama-cpp", "@node-llama-cpp", "openai", "fastify", "ink", "react", "ioredis"];
    const lspAnswer = /"id":1,"result":\{"capabilities"/;
    const lsp = await runRecorded(["lsp", "-m", "local:/nonexistent/model.gguf"], { stdin: lspFrame(initialize), until: lspAnswer });
    expect(lsp.stdout, lsp.stderr).toMatch(lspAnswer);
    expect(notLoaded.filter((name) => lsp.packages.has(name))).toEqual([]);
    const mcpAnswer = /"result":\{.*"serverInfo".*"id":1|"id":1,"result":\{.*"serverInfo"/;
    const mcpInitialize = { ...initialize, params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1" } } };
    const mcp = await runRecorded(["mcp"], { stdin: `${JSON.stringify(mcpInitialize)}\n`, until: mcpAnswer });
    expect(mcp.stdout, mcp.stderr).toMatch(mcpAnswer);
    expect(notLoaded.filter((name) => mcp.packages.has(name))).toEqual([]);
  });
});
