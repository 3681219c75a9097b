import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "./support/run-spark.js";

/**
 * scripts/prune-engines.mjs, run as a user runs it, on a node_modules tree laid out as npm installs
 * node-llama-cpp's builds (never on the clone's own node_modules).
 */
const script = fileURLToPath(new URL("../scripts/prune-engines.mjs", import.meta.url));
const own = `${process.platform === "darwin" ? "mac" : process.platform === "win32" ? "win" : process.platform}-${process.arch}`;
const foreign = process.arch === "arm64" ? "linux-x64" : "linux-arm64";

function fakeInstall(): { root: string; builds: string; outside: string; run: (...args: string[]) => string } {
  const root = tempDir("spark-prune-");
  const builds = join(root, "node_modules", "@node-llama-cpp");
  const outside = join(root, "not-a-build");
  mkdirSync(outside);
  writeFileSync(join(outside, "file"), "kept");
  for (const name of [own, `${own}-cuda`, `${own}-cuda-ext`, foreign, "not-a-build-name"]) {
    mkdirSync(join(builds, name), { recursive: true });
    writeFileSync(join(builds, name, "llama-addon.node"), "binary");
  }
  // A link named like a build: removed as a link, its target untouched.
  symlinkSync(outside, join(builds, `${own}-vulkan`));
  mkdirSync(join(root, "scripts"));
  const copy = join(root, "scripts", "prune-engines.mjs");
  copyFileSync(script, copy);
  return { root, builds, outside, run: (...args) => execFileSync(process.execPath, [copy, ...args], { encoding: "utf8" }) };
}

describe("scripts/prune-engines.mjs", () => {
  it("keeps this machine's CPU build only; the dry run lists and removes nothing", () => {
    const install = fakeInstall();
    const listed = install.run("--dry-run");
    expect(listed).toContain(`would remove ${join(install.builds, `${own}-cuda-ext`)}`);
    expect(readdirSync(install.builds)).toHaveLength(6);
    expect(install.run()).toMatch(/freed \d+ MB/);
    expect(readdirSync(install.builds).sort()).toEqual([own, "not-a-build-name"]);
    expect(readdirSync(install.outside)).toEqual(["file"]);
  });

  it("keeps the GPU builds named by --keep, and refuses a kind it does not know", () => {
    const install = fakeInstall();
    install.run("--keep", "cuda");
    expect(readdirSync(install.builds).sort()).toEqual([own, `${own}-cuda`, `${own}-cuda-ext`, "not-a-build-name"]);
    expect(() => install.run("--keep", "rocm")).toThrow(/--keep takes cuda and\/or vulkan/);
    expect(existsSync(join(install.outside, "file"))).toBe(true);
  });
});
