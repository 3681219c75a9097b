import { existsSync } from "node:fs";
import { join, posix, win32 } from "node:path";
import { SparkError } from "../core/index.js";

/**
 * How Spark runs npm (`spark engine add`): never through a shell. On Windows `npm` is `npm.cmd`, which
 * Node refuses to spawn without one since CVE-2024-27980, and a shell would parse its arguments; so npm's
 * own CLI script runs on the running node: `process.execPath npm-cli.js ARGS`.
 */

/** What the resolution reads of the running process (a test passes its own). */
export interface NpmHost {
  execPath: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  exists: (path: string) => boolean;
}

export interface NpmInvocation {
  file: string;
  args: string[];
}

const thisProcess = (): NpmHost => ({ execPath: process.execPath, platform: process.platform, env: process.env, exists: existsSync });

/** The host's own path rules (a test resolves Windows paths on Linux). */
const pathsOf = (host: NpmHost) => (host.platform === "win32" ? win32 : posix);

/** Where a Node installation keeps npm's CLI script: beside node.exe on Windows, in ../lib elsewhere. */
function npmCliBesideNode(host: NpmHost): string {
  const path = pathsOf(host);
  const bin = path.dirname(host.execPath);
  return host.platform === "win32" ? path.join(bin, "node_modules", "npm", "bin", "npm-cli.js") : path.join(bin, "..", "lib", "node_modules", "npm", "bin", "npm-cli.js");
}

/**
 * npm's CLI script: the one installed with the running node, else `npm_execpath` (set when npm started
 * Spark) if it is an absolute path to an existing npm-cli.js (not yarn's or pnpm's, which set it too).
 */
export function findNpmCli(host: NpmHost = thisProcess()): string | undefined {
  const beside = npmCliBesideNode(host);
  if (host.exists(beside)) return beside;
  const fromNpm = host.env.npm_execpath;
  const path = pathsOf(host);
  if (fromNpm !== undefined && path.isAbsolute(fromNpm) && path.basename(fromNpm) === "npm-cli.js" && host.exists(fromNpm)) return fromNpm;
  return undefined;
}

/**
 * The command that runs npm with `args`: node and npm's CLI script, or (not on Windows, where npm is a
 * .cmd) `npm` from PATH, an executable script spawned directly. Windows without the script is refused.
 */
export function npmInvocation(args: readonly string[], host: NpmHost = thisProcess()): NpmInvocation {
  const cli = findNpmCli(host);
  if (cli !== undefined) return { file: host.execPath, args: [cli, ...args] };
  if (host.platform !== "win32") return { file: "npm", args: [...args] };
  throw new SparkError(
    "engine_install_failed",
    `Could not find npm's npm-cli.js beside ${host.execPath} (looked in ${npmCliBesideNode(host)}): Spark runs npm without a shell, which a Windows npm.cmd needs. Reinstall Node.js with npm, or run \`spark engine add\` through npm (npx spark engine add …), which tells Spark where npm is.`,
    { status: 500 },
  );
}

/** The npm settings a user's environment may pass on: where to download from, the cache, proxies and CAs. */
const PASSED_SETTINGS = new Set(["registry", "cache", "proxy", "https_proxy", "noproxy", "cafile", "strict_ssl", "update_notifier"]);

/**
 * The environment for npm: the caller's, less every `npm_config_*` setting but PASSED_SETTINGS (npm reads
 * those as configuration, and `npm run` exports a project's .npmrc through them).
 */
export function npmEnvWithout(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => {
      const lower = name.toLowerCase();
      return !lower.startsWith("npm_config_") || PASSED_SETTINGS.has(lower.slice("npm_config_".length).replaceAll("-", "_"));
    }),
  );
}

/** The configuration files isolatedNpm points npm to in its folder; the caller writes them (empty). */
export const ISOLATED_NPMRC_FILES = ["user-npmrc", "global-npmrc"] as const;

/**
 * Runs npm in `dir`, a fresh folder of the caller's own, reading no configuration file but the empty ones
 * of ISOLATED_NPMRC_FILES there: `--prefix` stops npm's walk up from its folder for a project's .npmrc (a
 * shared /tmp may hold one another user planted, with a package.json beside it), `--userconfig` and
 * `--globalconfig` point to those files. What the user's environment says of the registry, cache and
 * proxies still holds.
 */
export function isolatedNpm(args: readonly string[], dir: string, env: NodeJS.ProcessEnv = process.env, host?: NpmHost): NpmInvocation & { env: NodeJS.ProcessEnv } {
  const [user, global] = ISOLATED_NPMRC_FILES.map((name) => join(dir, name));
  const isolation = ["--prefix", dir, "--userconfig", user as string, "--globalconfig", global as string];
  return { ...npmInvocation([...args, ...isolation], host), env: npmEnvWithout(env) };
}
