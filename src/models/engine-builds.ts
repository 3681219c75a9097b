import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The local engine's prebuilt builds: node-llama-cpp ships each as an npm package under @node-llama-cpp/
 * and finds one by importing it from its own folder, so a build counts only where that import resolves
 * (the node_modules holding node-llama-cpp, or one above it) and only at node-llama-cpp's exact version.
 * `spark engine add` installs the GPU builds below; the exact versions and registry checksums are pinned
 * here, never taken from a user. The CPU builds' checksums equal package-lock.json's; the GPU builds are
 * not in the lockfile (package.json's `overrides` replace them with engines/absent, which npm never
 * installs), so this table is their only record: the registry's `dist.integrity` for 3.21.1, as the
 * lockfile held it before (`npm view @node-llama-cpp/linux-x64-cuda@3.21.1 dist.integrity` shows it).
 * src/models/engine-builds.test.ts checks both against the lockfile and package.json.
 */

export interface PinnedPackage {
  name: string;
  version: string;
  /** The registry's sha512 of the package's tarball (SRI form), checked before anything is unpacked. */
  integrity: string;
}

export interface EngineBuild {
  /** What a user types: `spark engine add cuda`. */
  gpu: "cpu" | "cuda" | "vulkan" | "metal";
  platform: NodeJS.Platform;
  arch: string;
  /** CUDA is two packages (the extension holds the big CUDA libraries). */
  packages: PinnedPackage[];
}

/** The node-llama-cpp version every build below belongs to. */
export const ENGINE_VERSION = "3.21.1";

/**
 * The node-llama-cpp version whose builds' registry sha512 (`npm view @node-llama-cpp/NAME@VERSION
 * dist.integrity`) the table records. Kept apart from ENGINE_VERSION on purpose: the GPU builds are in no
 * lockfile, so a version bump must fail a test until someone refreshes their checksums and then this.
 */
export const CHECKSUMS_OF = "3.21.1";

const pin = (name: string, integrity: string): PinnedPackage => ({ name: `@node-llama-cpp/${name}`, version: CHECKSUMS_OF, integrity });

export const ENGINE_BUILDS: readonly EngineBuild[] = [
  { gpu: "cpu", platform: "linux", arch: "x64", packages: [pin("linux-x64", "sha512-Totj6RTDMGo3FoK2yNUaz/oGmZD0olAqTrRluFUWmu0kW2i9TOzHSW0OWCAiGkzRCVX0WsU2CyUQo/W2NYtdPA==")] },
  {
    gpu: "cuda",
    platform: "linux",
    arch: "x64",
    packages: [
      pin("linux-x64-cuda", "sha512-idsE55VoD/FbvLhnBC9krUJaUoC0XnebseAAnCpm/brKf61HEbu+idgbb5eN6mxkjLSrHtILprJ0nDcUJjVrFg=="),
      pin("linux-x64-cuda-ext", "sha512-1PuURowccBcks3CCoMe1mTHh5vD0V5bFHMUEgtbI/OSDjpP+Pdbn+lf42CGUrepTzR8kCH1HovQ7d8q6/vuIKA=="),
    ],
  },
  { gpu: "vulkan", platform: "linux", arch: "x64", packages: [pin("linux-x64-vulkan", "sha512-flEeSzONQ6OIm5bYKLQf4eEnBzcC5WugFbyPUwkCqyyOFZ8pH0H9ulQ7ZNDLSIczeKneMRJornlyY1Hq7d3GDA==")] },
  { gpu: "cpu", platform: "linux", arch: "arm64", packages: [pin("linux-arm64", "sha512-eI3anSEGzJiwF2rpMpZVTdHzw47LztbvfvuRzlu/fPO18ROnBOd+75RPUBlV6qENPpmNtbov85+3VODwEwBurg==")] },
  { gpu: "metal", platform: "darwin", arch: "arm64", packages: [pin("mac-arm64-metal", "sha512-6MIDAZV7DXD9R1+jEXWJkFuolni3GATGE6mmuyFYc6ZmtOh9djAy15df0T0AXK3sCmVKL+fQcOAWZezxx4MvQQ==")] },
  { gpu: "cpu", platform: "darwin", arch: "x64", packages: [pin("mac-x64", "sha512-Q4nyNmbcNiKygBZQZjX+qLk2w3YzoiFpLWsxNURQN7xjyUi2p2rWxjRa7Otg0FrjGf/ri4aQ+X3Uj5Y0zD06eg==")] },
  { gpu: "cpu", platform: "win32", arch: "x64", packages: [pin("win-x64", "sha512-JcIpCnra7bAd7JNWA8ehdn2DIRaTMuj+fBC8bw+5rKSNzszWFbuj2XA05c5QHovonDMBLN1ePXE/hcfZtzXoUQ==")] },
  {
    gpu: "cuda",
    platform: "win32",
    arch: "x64",
    packages: [
      pin("win-x64-cuda", "sha512-PLz70neFEMkQTlmJqG1ujUtCSgHasLPMxQ9rLkqQVmZYAXqkRj+45TIHCjdn3XqUeaoun0vrO9rRaxZ8NVq9jg=="),
      pin("win-x64-cuda-ext", "sha512-L2MxLVEYPDDe4O8EDWPmX6brldc9+Vt9hNoT/anj3pSnmrjkQcmaoKhHs6oP5qhEhb5Uog0rj6lgzNGtJO3p9Q=="),
    ],
  },
  { gpu: "vulkan", platform: "win32", arch: "x64", packages: [pin("win-x64-vulkan", "sha512-HJ237Azh5m4Sz+w3A1IU/fYLaSDOocskcfn2ILTgqTuuORCB86EMnu3Yt/XsNhRHTtEiwz1Q/E0mO4PLIbZLAA==")] },
];

/** The builds made for this machine's platform and architecture. */
export function buildsForThisMachine(platform: NodeJS.Platform = process.platform, arch: string = process.arch): EngineBuild[] {
  return ENGINE_BUILDS.filter((build) => build.platform === platform && build.arch === arch);
}

/** node-llama-cpp's own folder, or undefined when it is not installed. */
export function nodeLlamaCppDir(): string | undefined {
  try {
    // The package's entry is <dir>/dist/index.js.
    return dirname(dirname(fileURLToPath(import.meta.resolve("node-llama-cpp"))));
  } catch {
    return undefined;
  }
}

/** The version of the package installed at `dir`, or undefined. */
export function installedVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Where node-llama-cpp's `import(name)` finds a package: its own node_modules, then each one above it. */
export function findEnginePackage(name: string, engineDir: string): string | undefined {
  for (let dir = engineDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (basename(dir) !== "node_modules" && existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export interface EngineBuildStatus {
  gpu: EngineBuild["gpu"];
  /** Every package of the build is there, at node-llama-cpp's version. */
  present: boolean;
  packages: { name: string; version: string; installed?: string }[];
}

/** Which of this machine's builds node-llama-cpp would find now (what `spark models` reports). */
export function engineBuildStatus(engineDir: string | undefined = nodeLlamaCppDir(), builds: EngineBuild[] = buildsForThisMachine()): EngineBuildStatus[] {
  return builds.map((build) => {
    const packages = build.packages.map((pkg) => {
      const dir = engineDir === undefined ? undefined : findEnginePackage(pkg.name, engineDir);
      const installed = dir === undefined ? undefined : installedVersion(dir);
      return { name: pkg.name, version: pkg.version, ...(installed !== undefined && { installed }) };
    });
    return { gpu: build.gpu, present: packages.every((pkg) => pkg.installed === pkg.version), packages };
  });
}
