import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHECKSUMS_OF, ENGINE_BUILDS, ENGINE_VERSION, buildsForThisMachine, engineBuildStatus, findEnginePackage } from "./engine-builds.js";

const repoFile = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../${name}`, import.meta.url), "utf8"));

type LockEntry = { version?: string; integrity?: string; resolved?: string; link?: boolean; os?: string[]; cpu?: string[] } & Record<string, unknown>;
const lockPackages = (): Record<string, LockEntry> => (repoFile("package-lock.json") as { packages: Record<string, LockEntry> }).packages;
const GPU_BUILD = /^@node-llama-cpp\/.*-(cuda|cuda-ext|vulkan)$/;
/** Where package.json's overrides put a GPU build: the stub's folder, as npm resolves it from node-llama-cpp's. */
const ABSENT_SPEC = "file:../../engines/absent";

describe("the pinned engine builds", () => {
  it("are node-llama-cpp's version, and the CPU builds carry the lockfile's checksums", () => {
    const pkg = repoFile("package.json") as { dependencies: Record<string, string> };
    expect(pkg.dependencies["node-llama-cpp"]).toBe(ENGINE_VERSION);
    expect(CHECKSUMS_OF, "refresh every build's sha512 (npm view @node-llama-cpp/NAME@VERSION dist.integrity), then CHECKSUMS_OF").toBe(ENGINE_VERSION);
    const lock = lockPackages();
    const cpuPackages = ENGINE_BUILDS.filter((build) => build.gpu === "cpu" || build.gpu === "metal").flatMap((build) => build.packages);
    expect(cpuPackages.length).toBeGreaterThan(0);
    for (const pinned of cpuPackages) {
      expect(lock[`node_modules/${pinned.name}`], pinned.name).toMatchObject({ version: pinned.version, integrity: pinned.integrity });
    }
    // node-llama-cpp's own list of builds: each GPU build it knows is one `spark engine add` can install.
    const known = Object.keys((lock["node_modules/node-llama-cpp"]?.optionalDependencies ?? {}) as Record<string, string>);
    const pinnedNames = ENGINE_BUILDS.flatMap((build) => build.packages.map((pkg) => pkg.name));
    expect(known.filter((name) => GPU_BUILD.test(name)).filter((name) => !pinnedNames.includes(name))).toEqual([]);
  });

  it("leave every GPU build out of the default install: overridden by the inert stub, no tarball in the lockfile", () => {
    const overrides = (repoFile("package.json") as { overrides: Record<string, string> }).overrides;
    const gpuPackages = ENGINE_BUILDS.filter((build) => build.gpu === "cuda" || build.gpu === "vulkan").flatMap((build) => build.packages.map((pkg) => pkg.name));
    expect(Object.keys(overrides).filter((name) => name.startsWith("@node-llama-cpp/")).sort()).toEqual([...gpuPackages].sort());
    const lock = lockPackages();
    for (const name of gpuPackages) {
      expect(overrides[name], name).toBe(ABSENT_SPEC);
      expect(lock[`node_modules/${name}`], name).toEqual({ resolved: "engines/absent", link: true });
    }
    // No GPU build anywhere in the lockfile with a tarball of its own (a nested copy would be installed).
    const withTarball = Object.entries(lock).filter(([path, entry]) => GPU_BUILD.test(path.replace(/^.*node_modules\//, "")) && entry.link !== true);
    expect(withTarball.map(([path]) => path)).toEqual([]);
    // The stub: no platform matches it, so npm installs nothing; nothing in it could run if one did.
    const stubFolder = new URL("../../engines/absent/", import.meta.url);
    expect(readdirSync(stubFolder)).toEqual(["package.json"]);
    const stub = JSON.parse(readFileSync(new URL("package.json", stubFolder), "utf8")) as Record<string, unknown>;
    expect(Object.keys(stub).sort()).toEqual(["description", "license", "name", "os", "private", "version"]);
    expect(stub.os).toEqual(["none"]);
    expect(lock["engines/absent"]).toMatchObject({ name: stub.name, version: stub.version, optional: true, os: ["none"] });
  });

  it("lists only this machine's platform and architecture", () => {
    expect(buildsForThisMachine("linux", "x64").map((build) => build.gpu)).toEqual(["cpu", "cuda", "vulkan"]);
    expect(buildsForThisMachine("darwin", "arm64").map((build) => build.gpu)).toEqual(["metal"]);
    expect(buildsForThisMachine("linux", "ppc64")).toEqual([]);
  });
});

describe("finding a build as node-llama-cpp's import does", () => {
  function tree(): { root: string; engine: string } {
    const root = mkdtempSync(join(tmpdir(), "spark-engine-tree-"));
    const engine = join(root, "node_modules", "node-llama-cpp");
    mkdirSync(engine, { recursive: true });
    return { root, engine };
  }
  const put = (dir: string, version: string): void => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ version }));
  };

  it("looks in node-llama-cpp's own node_modules first, then the ones above it", () => {
    const { root, engine } = tree();
    expect(findEnginePackage("@node-llama-cpp/linux-x64-vulkan", engine)).toBeUndefined();
    put(join(root, "node_modules", "@node-llama-cpp", "linux-x64-vulkan"), ENGINE_VERSION);
    expect(findEnginePackage("@node-llama-cpp/linux-x64-vulkan", engine)).toBe(join(root, "node_modules", "@node-llama-cpp", "linux-x64-vulkan"));
    put(join(engine, "node_modules", "@node-llama-cpp", "linux-x64-vulkan"), "1.0.0");
    expect(findEnginePackage("@node-llama-cpp/linux-x64-vulkan", engine)).toBe(join(engine, "node_modules", "@node-llama-cpp", "linux-x64-vulkan"));
  });

  it("counts a build present only with every package at node-llama-cpp's exact version", () => {
    const { root, engine } = tree();
    const cuda = buildsForThisMachine("linux", "x64").filter((build) => build.gpu === "cuda");
    put(join(root, "node_modules", "@node-llama-cpp", "linux-x64-cuda"), ENGINE_VERSION);
    const half = engineBuildStatus(engine, cuda)[0];
    expect(half?.present).toBe(false);
    expect(half?.packages.map((pkg) => pkg.installed)).toEqual([ENGINE_VERSION, undefined]);
    put(join(root, "node_modules", "@node-llama-cpp", "linux-x64-cuda-ext"), "3.20.0");
    expect(engineBuildStatus(engine, cuda)[0]?.present).toBe(false);
    put(join(root, "node_modules", "@node-llama-cpp", "linux-x64-cuda-ext"), ENGINE_VERSION);
    expect(engineBuildStatus(engine, cuda)[0]?.present).toBe(true);
    expect(engineBuildStatus(undefined, cuda)[0]?.present).toBe(false);
  });
});
