import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { SparkError } from "../core/index.js";
import { ISOLATED_NPMRC_FILES, isolatedNpm } from "./npm-command.js";
import { placePackage } from "./place-package.js";
import { buildsForThisMachine, ENGINE_VERSION, findEnginePackage, installedVersion, nodeLlamaCppDir, type EngineBuild, type PinnedPackage } from "./engine-builds.js";

/**
 * `spark engine add cuda|vulkan`: puts a pinned prebuilt build of the local engine where node-llama-cpp
 * finds it, the node_modules that holds node-llama-cpp itself.
 *
 * What stops a hostile registry, mirror or repository: the package names, versions and sha512 checksums
 * come only from ENGINE_BUILDS (nothing from the user but the build's name, picked from that list); npm
 * runs without a shell (npm-command.ts) and only downloads (`npm pack`, scripts ignored) in a fresh
 * temporary folder reading no .npmrc (not a repository's, nor one planted above that folder, nor the
 * user's: only the environment's registry, cache and proxy settings); the tarball's checksum is compared
 * with the pinned one before anything is unpacked; it is unpacked by tar into a staging folder next to the
 * destination and swapped into place (place-package.ts), so a failure leaves the build that was there.
 * Nothing from the package runs.
 */

const run = promisify(execFile);

const installError = (message: string, cause?: unknown): SparkError => new SparkError("engine_install_failed", message, { status: 500, ...(cause !== undefined && { cause }) });

export interface InstallOptions {
  /** The build to install; from buildsForThisMachine() unless a test gives its own. */
  build: EngineBuild;
  /** The node_modules folder that receives the packages (default: the one holding node-llama-cpp). */
  nodeModules: string;
  /** node-llama-cpp's folder, to see which packages it already finds (default: nodeModules/node-llama-cpp). */
  engineDir?: string;
  /** Progress lines for the terminal. */
  log?: (line: string) => void;
}

export interface InstallResult {
  installed: string[];
  alreadyPresent: string[];
}

/** The build named `gpu` for this machine, or a usage error listing the ones there are. */
export function pickEngineBuild(gpu: string): EngineBuild {
  const builds = buildsForThisMachine().filter((build) => build.gpu !== "cpu");
  const build = builds.find((candidate) => candidate.gpu === gpu);
  if (build !== undefined) return build;
  const names = builds.map((candidate) => candidate.gpu).join(", ");
  throw new SparkError("usage_invalid", `There is no "${gpu}" build of the local engine for ${process.platform}-${process.arch}. ${names ? `Available: ${names}.` : "This machine has GPU builds only where node-llama-cpp publishes them (Linux and Windows x64: cuda, vulkan; macOS arm64 comes with metal)."}`, { status: 400 });
}

/** Where `spark engine add` installs: beside node-llama-cpp, where its import finds the package. */
export function defaultInstallTarget(): { nodeModules: string; engineDir: string } {
  const engineDir = nodeLlamaCppDir();
  if (engineDir === undefined) throw installError("node-llama-cpp is not installed beside Spark: reinstall Spark (npm ci in a clone, npm install -g for the package).");
  return { nodeModules: dirname(engineDir), engineDir };
}

/** The SRI sha512 of a file's bytes, as npm writes it. */
async function integrityOf(file: string): Promise<string> {
  return `sha512-${createHash("sha512").update(await readFile(file)).digest("base64")}`;
}

/** Downloads one pinned package's tarball with npm (no scripts, no config file but workDir's empty ones) and checks its checksum. */
async function download(pkg: PinnedPackage, workDir: string): Promise<string> {
  const spec = `${pkg.name}@${pkg.version}`;
  // Outside the try: a Windows without npm-cli.js is refused with its own message.
  const npm = isolatedNpm(["pack", spec, "--json", "--ignore-scripts", "--pack-destination", workDir], workDir);
  let stdout: string;
  try {
    ({ stdout } = await run(npm.file, npm.args, { cwd: workDir, env: npm.env, maxBuffer: 16 * 1024 * 1024 }));
  } catch (error) {
    const detail = error instanceof Error && "stderr" in error ? String(error.stderr).trim().split("\n").slice(-3).join(" ") : String(error);
    throw installError(`Could not download ${spec} with npm (is the registry reachable? Spark's npm reads no .npmrc: set npm_config_registry for a mirror): ${detail}`, error);
  }
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  if (packed === undefined) throw installError(`npm pack ${spec} reported no file.`);
  const tarball = join(workDir, packed.filename);
  const actual = await integrityOf(tarball);
  if (actual !== pkg.integrity) {
    throw installError(`${spec} from the registry does not match the checksum Spark pins (${pkg.integrity.slice(0, 24)}…, got ${actual.slice(0, 24)}…): nothing was installed. Check the registry npm uses (npm config get registry).`);
  }
  return tarball;
}

/** Installs every package of `build` that node-llama-cpp does not find yet at its version. */
export async function installEngineBuild(options: InstallOptions): Promise<InstallResult> {
  const { build, nodeModules, log = () => undefined } = options;
  const engineDir = options.engineDir ?? join(nodeModules, "node-llama-cpp");
  const engineVersion = installedVersion(engineDir);
  // node-llama-cpp uses a build only at its own exact version.
  if (engineVersion !== ENGINE_VERSION) throw installError(`Spark's engine builds are for node-llama-cpp ${ENGINE_VERSION}, but ${engineDir} holds ${engineVersion ?? "nothing"}: reinstall Spark.`);
  const result: InstallResult = { installed: [], alreadyPresent: [] };
  const workDir = await mkdtemp(join(tmpdir(), "spark-engine-add-"));
  try {
    // The only npm configuration files npm reads (isolatedNpm): empty.
    for (const name of ISOLATED_NPMRC_FILES) await writeFile(join(workDir, name), "");
    for (const pkg of build.packages) {
      const found = findEnginePackage(pkg.name, engineDir);
      if (found !== undefined && installedVersion(found) === pkg.version) {
        result.alreadyPresent.push(pkg.name);
        continue;
      }
      log(`downloading ${pkg.name}@${pkg.version}…`);
      const tarball = await download(pkg, workDir);
      log(`checksum ok; unpacking into ${join(nodeModules, pkg.name)}`);
      await placePackage(tarball, join(nodeModules, pkg.name)).catch((error: unknown) => {
        if (error instanceof SparkError) throw error;
        throw installError(`Could not write ${join(nodeModules, pkg.name)}: ${error instanceof Error ? error.message : String(error)}. Run \`spark engine add\` as the user that installed Spark.`, error);
      });
      result.installed.push(pkg.name);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return result;
}
