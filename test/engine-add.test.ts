import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_VERSION, engineBuildStatus, type EngineBuild } from "../src/models/engine-builds.js";
import { installEngineBuild } from "../src/models/install-engine-build.js";
import { runSpark, tempDir } from "./support/run-spark.js";

/**
 * `spark engine add`: the real npm downloads from a scripted registry on loopback (the network edge) and
 * the real tar unpacks. A build whose tarball matches its pinned checksum lands where node-llama-cpp's
 * import finds it; one that does not is refused with nothing written. The packages here are small
 * stand-ins with the real names (the real CUDA build is 540 MB); the pinned table itself is checked
 * against package-lock.json in src/models/engine-builds.test.ts.
 */

const NAME = "@node-llama-cpp/linux-x64-vulkan";

/** An npm tarball (package/ inside) holding a package.json and a fake binary. */
function makeTarball(dir: string, marker: string): { file: string; integrity: string } {
  const src = join(dir, `src-${marker}`);
  mkdirSync(join(src, "package", "bins"), { recursive: true });
  writeFileSync(join(src, "package", "package.json"), JSON.stringify({ name: NAME, version: ENGINE_VERSION, main: "dist/index.js" }));
  writeFileSync(join(src, "package", "bins", "llama-addon.node"), marker);
  const file = join(dir, `${marker}.tgz`);
  execFileSync("tar", ["-czf", file, "-C", src, "package"]);
  return { file, integrity: `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}` };
}

/** A registry that serves one packument and its tarball; the packument's checksum is the served bytes'. */
async function startRegistry(tarball: string): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const bytes = readFileSync(tarball);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(req.url ?? "");
    requests.push(path);
    const { port } = server.address() as AddressInfo;
    if (path === `/${NAME}`) {
      const integrity = `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
      const version = { name: NAME, version: ENGINE_VERSION, dist: { tarball: `http://127.0.0.1:${port}/tarballs/vulkan.tgz`, integrity } };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: NAME, "dist-tags": { latest: ENGINE_VERSION }, versions: { [ENGINE_VERSION]: version } }));
    } else if (path === "/tarballs/vulkan.tgz") {
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes);
    } else {
      res.writeHead(404).end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A node_modules with node-llama-cpp at the pinned version and no builds. */
function freshNodeModules(): { nodeModules: string; engineDir: string } {
  const nodeModules = join(tempDir("spark-engine-add-"), "node_modules");
  const engineDir = join(nodeModules, "node-llama-cpp");
  mkdirSync(engineDir, { recursive: true });
  writeFileSync(join(engineDir, "package.json"), JSON.stringify({ name: "node-llama-cpp", version: ENGINE_VERSION }));
  return { nodeModules, engineDir };
}

const savedEnv = { ...process.env };
afterAll(() => {
  process.env = savedEnv;
});

describe("installing a pinned engine build", () => {
  const work = tempDir("spark-engine-tarballs-");
  const good = makeTarball(work, "good");
  const build = (integrity: string): EngineBuild => ({ gpu: "vulkan", platform: "linux", arch: "x64", packages: [{ name: NAME, version: ENGINE_VERSION, integrity }] });

  beforeAll(() => {
    // npm reads these from the environment: the loopback registry and a cache of this test's own.
    process.env.npm_config_cache = join(work, "npm-cache");
    process.env.npm_config_update_notifier = "false";
  });

  it("downloads the pinned package, checks it and puts it where node-llama-cpp finds it", async () => {
    const registry = await startRegistry(good.file);
    process.env.npm_config_registry = registry.url;
    try {
      const target = freshNodeModules();
      expect(engineBuildStatus(target.engineDir, [build(good.integrity)])[0]?.present).toBe(false);
      const result = await installEngineBuild({ build: build(good.integrity), ...target });
      expect(result).toEqual({ installed: [NAME], alreadyPresent: [] });
      expect(readFileSync(join(target.nodeModules, NAME, "bins", "llama-addon.node"), "utf8")).toBe("good");
      expect(engineBuildStatus(target.engineDir, [build(good.integrity)])[0]?.present).toBe(true);
      // Only the pinned name was asked for; no staging folder is left behind.
      expect(registry.requests).toContain(`/${NAME}`);
      expect(readdirSync(join(target.nodeModules, "@node-llama-cpp"))).toEqual(["linux-x64-vulkan"]);
      // A second run finds it and downloads nothing.
      const before = registry.requests.length;
      expect(await installEngineBuild({ build: build(good.integrity), ...target })).toEqual({ installed: [], alreadyPresent: [NAME] });
      expect(registry.requests.length).toBe(before);
    } finally {
      await registry.close();
    }
  }, 120_000);

  it("refuses a tarball that does not match the pinned checksum and writes nothing", async () => {
    const tampered = makeTarball(work, "tampered");
    const registry = await startRegistry(tampered.file);
    process.env.npm_config_registry = registry.url;
    try {
      const target = freshNodeModules();
      await expect(installEngineBuild({ build: build(good.integrity), ...target })).rejects.toMatchObject({ code: "engine_install_failed", message: expect.stringMatching(/does not match the checksum Spark pins.*nothing was installed/) });
      expect(existsSync(join(target.nodeModules, "@node-llama-cpp"))).toBe(false);
    } finally {
      await registry.close();
    }
  }, 120_000);

  it("reads no .npmrc another local user planted above its temporary folder", async () => {
    // A shared temporary folder where someone left a package.json and an .npmrc: npm, walking up from the
    // install's temporary folder for a project, would take that .npmrc (here: no network, so it fails).
    const shared = tempDir("spark-engine-shared-tmp-");
    writeFileSync(join(shared, "package.json"), "{}");
    writeFileSync(join(shared, ".npmrc"), "offline=true\n");
    const registry = await startRegistry(good.file);
    process.env.npm_config_registry = registry.url;
    const target = freshNodeModules();
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = shared;
    try {
      expect(await installEngineBuild({ build: build(good.integrity), ...target })).toEqual({ installed: [NAME], alreadyPresent: [] });
      expect(registry.requests).toContain(`/${NAME}`);
      // The install's temporary folder was there, and is gone.
      expect(readdirSync(shared).sort()).toEqual([".npmrc", "package.json"]);
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
      await registry.close();
    }
  }, 120_000);

  it("refuses when node-llama-cpp is not the version the builds are pinned for", async () => {
    const target = freshNodeModules();
    writeFileSync(join(target.engineDir, "package.json"), JSON.stringify({ name: "node-llama-cpp", version: "3.0.0" }));
    await expect(installEngineBuild({ build: build(good.integrity), ...target })).rejects.toMatchObject({ code: "engine_install_failed", message: expect.stringContaining("holds 3.0.0") });
  });
});

describe.skipIf(process.platform !== "linux" || process.arch !== "x64")("spark engine (the built CLI, Linux x64)", () => {
  it("lists this machine's builds with the CPU build present, and `spark models` reports them", async () => {
    const list = await runSpark(["engine", "list", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    const builds = (JSON.parse(list.stdout) as { builds: { gpu: string; present: boolean }[] }).builds;
    expect(builds.find((status) => status.gpu === "cpu")?.present).toBe(true);
    const models = await runSpark(["models"]);
    expect(models.code, models.stderr).toBe(0);
    expect(models.stdout).toMatch(/Local engine builds[^\n]*\n {2}ok cpu +@node-llama-cpp\/linux-x64 3\.21\.1/);
  });

  it("takes only a build name from its list: no version, path or other package", async () => {
    for (const wanted of ["metal", "cuda@latest", "../evil", "@node-llama-cpp/linux-x64-cuda"]) {
      const result = await runSpark(["engine", "add", wanted]);
      expect(result.code, wanted).toBe(2);
      expect(result.stderr).toContain(`There is no "${wanted}" build of the local engine for linux-x64. Available: cuda, vulkan.`);
    }
  });
});
