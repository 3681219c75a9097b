import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { mkdtemp, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { SparkError } from "../core/index.js";

const run = promisify(execFile);

/**
 * Unpacks a checked npm tarball into a staging folder beside `destination`, then swaps it in: the package
 * already there moves into the staging folder, the new one takes its name, and the staging folder (with
 * the old package) is removed. If the new one cannot take its name, the old one is put back, so a failure
 * leaves the package that was there, and no staging folder.
 */
export async function placePackage(tarball: string, destination: string): Promise<void> {
  mkdirSync(dirname(destination), { recursive: true });
  const staging = await mkdtemp(join(dirname(destination), ".spark-engine-"));
  let keepStaging = false;
  try {
    await run("tar", ["-xzf", tarball, "-C", staging, "--no-same-owner"]);
    const unpacked = join(staging, "package");
    if (!existsSync(join(unpacked, "package.json"))) throw new SparkError("engine_install_failed", `${tarball} holds no package/ folder.`, { status: 500 });
    const old = join(staging, "old");
    const hadOld = existsSync(destination);
    if (hadOld) await rename(destination, old);
    try {
      await rename(unpacked, destination);
    } catch (error) {
      if (hadOld) await rename(old, destination).catch((rollback: unknown) => {
        // The old package is only in the staging folder now: it stays there, and the user is told where.
        keepStaging = true;
        throw new SparkError("engine_install_failed", `Could not put ${destination} in place, nor the package it replaced back: it is in ${old}; move it back to ${destination}.`, { status: 500, cause: rollback });
      });
      throw error;
    }
  } finally {
    if (!keepStaging) await rm(staging, { recursive: true, force: true });
  }
}
