import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENGINE_BUILDS, ENGINE_VERSION, buildsForThisMachine, engineBuildStatus, findEnginePackage } from "./engine-builds.js";

const repoFile = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../${name}`, import.meta.url), "utf8"));

describe("the pinned engine builds", () => {
  it("are node-llama-cpp's version and the lockfile's checksums, so a node-llama-cpp update cannot leave them stale", () => {
    const pkg = repoFile("package.json") as { dependencies: Record<string, string> };
    expect(pkg.dependencies["node-llama-cpp"]).toBe(ENGINE_VERSION);
    const lock = repoFile("package-lock.json") as { packages: Record<string, { version?: string; integrity?: string }> };
    for (const pinned of ENGINE_BUILDS.flatMap((build) => build.packages)) {
      expect(lock.packages[`node_modules/${pinned.name}`], pinned.name).toMatchObject({ version: pinned.version, integrity: pinned.integrity });
    }
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
