import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { buildsForThisMachine } from "../src/models/engine-builds.js";
import { jsonEvents, runSpark, tempDir } from "./support/run-spark.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

/**
 * The default install (`npm ci` in a clone) carries this machine's CPU build of the local engine and no
 * GPU build: package.json's `overrides` replace node-llama-cpp's CUDA and Vulkan packages with
 * engines/absent, which no platform installs; `spark engine add cuda|vulkan` brings them when wanted.
 */
const repoRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));
const GPU_BUILD = /^@node-llama-cpp\/.*-(cuda|cuda-ext|vulkan)$/;

describe("the default install", () => {
  it("is planned by npm ci from the lockfile with this machine's CPU build and no GPU build", async () => {
    // The real npm, offline with an empty cache: it plans from package.json and the lockfile alone.
    const project = tempDir("spark-default-install-");
    for (const file of ["package.json", "package-lock.json", "engines"]) cpSync(join(repoRoot, file), join(project, file), { recursive: true });
    const env = { ...process.env, npm_config_cache: join(project, ".npm-cache"), npm_config_update_notifier: "false" };
    const { stdout } = await promisify(execFile)("npm", ["ci", "--dry-run", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: project, env, maxBuffer: 16 * 1024 * 1024 });
    const added = [...stdout.matchAll(/^add (\S+) (\S+)$/gm)].map(([, name]) => name!);
    expect(added).toContain("node-llama-cpp");
    expect(added.filter((name) => GPU_BUILD.test(name))).toEqual([]);
    for (const build of buildsForThisMachine().filter((candidate) => candidate.gpu === "cpu")) {
      for (const pkg of build.packages) expect(added).toContain(pkg.name);
    }
  }, 120_000);

  it("answers from the CPU build with `[local] gpu = true`: no GPU build needed, nothing compiled or downloaded", async () => {
    const modelPath = await ensureTestModel();
    // node-llama-cpp (the clone's, which the built CLI loads) would write a build from source here; it
    // must stay as the install left it.
    const localBuilds = join(repoRoot, "node_modules", "node-llama-cpp", "llama", "localBuilds");
    const hadLocalBuilds = existsSync(localBuilds);
    const sparkHome = join(tempDir("spark-gpu-home-"), ".spark");
    mkdirSync(sparkHome, { recursive: true });
    writeFileSync(join(sparkHome, "config.toml"), "[local]\ngpu = true\nthreads = 1\n");
    const result = await runSpark(["-m", `local:${modelPath}`, "-t", "0", "--max-tokens", "8", "--json", "hi"], { env: { SPARK_HOME: sparkHome }, timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    const events = jsonEvents(result.stdout);
    expect(events.filter((event) => event.type === "text-delta").length).toBeGreaterThan(0);
    expect(events.at(-1)).toEqual({ type: "finish", reason: "length" });
    expect(existsSync(localBuilds)).toBe(hadLocalBuilds);
  }, 120_000);
});
