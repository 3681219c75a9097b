import { defaultInstallTarget, engineBuildStatus, installEngineBuild, pickEngineBuild, type EngineBuildStatus } from "../../models/index.js";
import { exitCodes } from "../common/exit-codes.js";

/** One line per build: `ok cuda  @node-llama-cpp/linux-x64-cuda 3.21.1, …` or what is missing. */
export function describeEngineBuild(status: EngineBuildStatus): string {
  const packages = status.packages.map((pkg) => `${pkg.name} ${pkg.installed ?? "missing"}${pkg.installed !== undefined && pkg.installed !== pkg.version ? ` (needs ${pkg.version})` : ""}`).join(", ");
  const hint = status.present || status.gpu === "cpu" || status.gpu === "metal" ? "" : ` · add with \`spark engine add ${status.gpu}\``;
  return `${status.present ? "ok" : "--"} ${status.gpu.padEnd(6)} ${packages}${hint}`;
}

/** `spark engine list`. */
export function listEngineBuilds(options: { json?: boolean }): number {
  const builds = engineBuildStatus();
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ platform: `${process.platform}-${process.arch}`, builds }, null, 2)}\n`);
    return exitCodes.ok;
  }
  process.stdout.write(`Local engine builds for ${process.platform}-${process.arch}:\n${builds.map((status) => `  ${describeEngineBuild(status)}`).join("\n") || "  none published for this machine"}\n`);
  return exitCodes.ok;
}

/** `spark engine add cuda|vulkan`. */
export async function addEngineBuild(gpu: string): Promise<number> {
  const build = pickEngineBuild(gpu);
  const target = defaultInstallTarget();
  const result = await installEngineBuild({ build, ...target, log: (line) => process.stderr.write(`${line}\n`) });
  const done = result.installed.length > 0 ? `installed ${result.installed.join(", ")}` : "already installed";
  process.stdout.write(`The ${gpu} build of the local engine: ${done}. With [local] gpu = true in config, node-llama-cpp uses it when the GPU and its driver are there.\n`);
  return exitCodes.ok;
}
