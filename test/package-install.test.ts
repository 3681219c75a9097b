import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { delimiter, dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./support/run-spark.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

/**
 * Spark as a user installs it: `npm pack` of the built clone, then `npm install -g` of that tarball into a
 * temporary prefix, and the installed `spark-code` / `spark` run from a folder outside the clone, with a
 * PATH that holds only the prefix's bin and Node.
 *
 * The install resolves dependencies from npm's cache first (`--prefer-offline`; `npm ci` filled it, and
 * .ci/run adds node-llama-cpp's GPU builds, which a global install brings because it ignores the project's
 * overrides) and the registry for the rest. better-sqlite3's install script would download its prebuilt binary from
 * GitHub (unreachable here) and then compile SQLite for minutes; the test hands it the binary the clone's
 * own install already has, as a local prebuild, which is the same file the download would give.
 * Without a reachable registry for what the cache lacks, the tests skip and say so.
 */
const repoRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));
const packageJson = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { name: string; version: string };
const INSTALL_TIMEOUT_MS = 170_000;
const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|ENETUNREACH|ECONNREFUSED|ETIMEDOUT|ENOTCACHED|ECONNRESET|network/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Run> {
  return new Promise((resolveRun) => {
    const child = execFile(command, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolveRun({ code, stdout, stderr });
    });
    // Spark appends piped stdin to the task: an empty, closed stdin, as from a terminal-less caller.
    child.stdin?.end();
  });
}

interface PackedFile {
  path: string;
}

let work: string;
let prefix: string;
let packed: { filename: string; size: number; files: PackedFile[] };
let installed: { skip?: string; ms?: number } = {};
let modelPath: string;

const installedDir = (): string => join(prefix, "lib", "node_modules", packageJson.name);
/** A clean environment: the prefix's bin and Node on PATH, a fresh HOME, no API keys. */
function userEnv(): NodeJS.ProcessEnv {
  const home = tempDir("spark-pkg-home-");
  return { PATH: [join(prefix, "bin"), dirname(process.execPath), "/usr/bin", "/bin"].join(delimiter), HOME: home, SPARK_HOME: join(home, ".spark") };
}

beforeAll(async () => {
  modelPath = await ensureTestModel();
  for (const built of ["dist/cli/main.js", "dist/web/index.html"]) {
    if (!existsSync(join(repoRoot, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
  }
  work = tempDir("spark-pkg-");
  prefix = join(work, "prefix");
  // The build is the one `npm test` just made: --ignore-scripts skips prepack's second build.
  const pack = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: repoRoot, timeoutMs: 60_000 });
  expect(pack.code, pack.stderr).toBe(0);
  packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0]!;

  const prebuilds = join(work, "prebuilds");
  mkdirSync(prebuilds);
  const sqliteVersion = (JSON.parse(readFileSync(join(repoRoot, "node_modules", "better-sqlite3", "package.json"), "utf8")) as { version: string }).version;
  const tarball = join(prebuilds, `better-sqlite3-v${sqliteVersion}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
  const tar = await run("tar", ["czf", tarball, "-C", join(repoRoot, "node_modules", "better-sqlite3"), "build/Release/better_sqlite3.node"], { cwd: work, timeoutMs: 30_000 });
  expect(tar.code, tar.stderr).toBe(0);

  const started = Date.now();
  const install = await run("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=warn", join(work, packed.filename)], {
    cwd: work,
    env: { ...process.env, npm_config_better_sqlite3_local_prebuilds: prebuilds, npm_config_update_notifier: "false" },
    timeoutMs: INSTALL_TIMEOUT_MS,
  });
  if (install.code !== 0 && NETWORK_ERROR.test(install.stderr)) {
    installed = { skip: `npm could not reach the registry for dependencies missing from its cache:\n${install.stderr.slice(-2000)}` };
    return;
  }
  expect(install.code, `npm install -g failed:\n${install.stderr.slice(-4000)}`).toBe(0);
  const ms = Date.now() - started;
  installed = { ms };
  console.log(`package: ${packed.filename}, ${(packed.size / 1e6).toFixed(2)} MB packed, ${packed.files.length} files; npm install -g took ${(ms / 1000).toFixed(1)} s`);
}, INSTALL_TIMEOUT_MS + 120_000);

// The global install is over 1 GB (node-llama-cpp's engine builds): removing it can take minutes on a busy disk.
afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
}, 300_000);

describe("npm pack", () => {
  it("holds the built CLI, the web UI and the postinstall, and nothing from tests, bench, sources or models", () => {
    const paths = packed.files.map((file) => file.path);
    for (const needed of ["bin/spark.js", "bin/package.json", "dist/cli/main.js", "dist/web/index.html", "scripts/patch-node-llama-cpp.mjs", "README.md", "package.json"]) {
      expect(paths).toContain(needed);
    }
    // bin/package.json makes the launcher CommonJS (it answers --version before any ES module loads).
    // The CLI is an esbuild bundle (main.js and its chunks); its source maps and metafile stay in the clone.
    expect(paths.filter((path) => path.startsWith("dist/cli/chunk-")).length).toBeGreaterThan(0);
    const unwanted = paths.filter((path) => /^(test|bench|src|eval|extensions|patches|node_modules|\.models|\.ci|\.interop)\//.test(path) || /\.test\.[jt]s$|\.map$|^dist\/bundle-meta\.json$/.test(path));
    expect(unwanted).toEqual([]);
    expect(packed.size).toBeLessThan(5_000_000);
  });
});

describe("npm install -g of the packed tarball", () => {
  it("installs spark-code and its alias spark, which answer --version and --help outside the clone", async (context) => {
    if (installed.skip !== undefined) context.skip(installed.skip);
    const cwd = tempDir("spark-pkg-cwd-");
    expect(realpathSync(cwd).startsWith(realpathSync(repoRoot) + sep)).toBe(false);
    for (const bin of ["spark-code", "spark"]) {
      const version = await run(join(prefix, "bin", bin), ["--version"], { cwd, env: userEnv(), timeoutMs: 30_000 });
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout.trim()).toBe(packageJson.version);
    }
    const help = await run("spark-code", ["--help"], { cwd, env: userEnv(), timeoutMs: 30_000 });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/Usage:/);
    expect(help.stdout).toMatch(/\bexec\b/);
    expect(help.stdout).toMatch(/\bserve\b/);
  });

  it("gives a first answer with the embedded engine from a folder outside the clone", async (context) => {
    if (installed.skip !== undefined) context.skip(installed.skip);
    const cwd = tempDir("spark-pkg-cwd-");
    const answer = await run("spark-code", ["-m", `local:${modelPath}`, "-t", "0", "--max-tokens", "20", "--json", "hi"], { cwd, env: userEnv(), timeoutMs: 60_000 });
    expect(answer.code, answer.stderr).toBe(0);
    const events = answer.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; reason?: string });
    expect(events.filter((event) => event.type === "text-delta").length).toBeGreaterThan(0);
    expect(events.at(-1)).toEqual({ type: "finish", reason: "length" });
  }, 90_000);

  it("runs the installed copy's own node-llama-cpp, carrying the speculative-decoding fix", async (context) => {
    if (installed.skip !== undefined) context.skip(installed.skip);
    const check = await run(process.execPath, [join(installedDir(), "scripts", "patch-node-llama-cpp.mjs"), "--check"], { cwd: work, env: userEnv(), timeoutMs: 30_000 });
    expect(check.code, check.stderr).toBe(0);
    const engine = join(installedDir(), "node_modules", "node-llama-cpp");
    expect(check.stdout).toContain(engine);
    const source = readFileSync(join(engine, "dist", "evaluator", "LlamaContext", "LlamaContext.js"), "utf8");
    expect(source).toMatch(
      /this\._loadedTokenPredictions\.push\(\[evalTokens\[i\], \[resultToken, probabilities, confidence\]\]\);\r?\n\s*validatedTokens\.push\(\[evalTokens\[i\], resultToken\]\);/,
    );
  });
});
