#!/usr/bin/env node
/* global process, console */
// Removes the node-llama-cpp engine builds a CPU-only machine never loads: CUDA, CUDA extension and Vulkan
// builds (a global install brings them all; a clone's `npm ci` none, see package.json's overrides), and
// builds for other CPU architectures (npm installs linux-arm64 and linux-armv7l on x64 too, as their
// package.json lists x64). The CPU build of this platform and architecture (e.g.
// @node-llama-cpp/linux-x64) stays, so the local engine works as before: Spark runs it on the CPU unless
// `[local] gpu = true`, and even then node-llama-cpp falls back to the CPU build when no GPU build is
// installed (Spark never compiles or downloads one at run time).
//
// Plain Node, no dependencies; finds node-llama-cpp's builds as Node would (the nearest
// node_modules/@node-llama-cpp upwards from this file), in a clone or a global install alike. Deletes only
// folders directly inside that one folder whose names are node-llama-cpp build names; a symbolic link is
// removed as a link, never followed. `npm ci` (or reinstalling the package) brings back what it removed.
//
//   node scripts/prune-engines.mjs                 remove them, print the space freed
//   node scripts/prune-engines.mjs --dry-run       only list what would go
//   node scripts/prune-engines.mjs --keep cuda     keep the GPU builds named (cuda, vulkan; comma-separated)
import { existsSync, lstatSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BUILD_NAME = /^(linux|mac|win)-(x64|arm64|armv7l|riscv64)(-(cuda|cuda-ext|vulkan|metal))?$/;

/** The nearest node_modules/@node-llama-cpp above `start`. */
export function findEngineBuilds(start) {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", "@node-llama-cpp");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Which builds go: every build name that is not this machine's CPU build or a kept GPU kind. */
export function buildsToRemove(names, platform, arch, keep) {
  const own = `${platform === "darwin" ? "mac" : platform === "win32" ? "win" : platform}-${arch}`;
  return names.filter((name) => {
    const match = BUILD_NAME.exec(name);
    if (match === null) return false;
    if (`${match[1]}-${match[2]}` !== own) return true;
    const kind = match[4];
    if (kind === undefined || kind === "metal") return false;
    return !keep.has(kind === "cuda-ext" ? "cuda" : kind);
  });
}

function sizeOf(path) {
  const stats = lstatSync(path);
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

function main() {
  const args = process.argv.slice(2);
  const dryRun = args.includes("--dry-run");
  const keepAt = args.indexOf("--keep");
  const keep = new Set(keepAt >= 0 ? (args[keepAt + 1] ?? "").split(",").map((kind) => kind.trim()).filter(Boolean) : []);
  const unknown = [...keep].filter((kind) => kind !== "cuda" && kind !== "vulkan");
  if (unknown.length > 0) {
    console.error(`prune-engines: --keep takes cuda and/or vulkan, not ${unknown.join(", ")}.`);
    return 2;
  }
  const dir = findEngineBuilds(dirname(fileURLToPath(import.meta.url)));
  if (dir === undefined) {
    console.error("prune-engines: no node_modules/@node-llama-cpp found; install first (npm ci).");
    return 1;
  }
  const doomed = buildsToRemove(readdirSync(dir), process.platform, process.arch, keep);
  let freed = 0;
  for (const name of doomed) {
    const path = join(dir, name);
    const bytes = sizeOf(path);
    freed += bytes;
    console.log(`${dryRun ? "would remove" : "removing"} ${path} (${(bytes / 2 ** 20).toFixed(0)} MB)`);
    if (!dryRun) rmSync(path, { recursive: true, force: true });
  }
  console.log(doomed.length === 0 ? "prune-engines: nothing to remove." : `prune-engines: ${dryRun ? "would free" : "freed"} ${(freed / 2 ** 20).toFixed(0)} MB; \`npm ci\` brings the builds back.`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
