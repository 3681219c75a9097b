import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

/** node:fs/promises as it is, but for a rename the test makes fail (a full disk, a file system error). */
const failing = vi.hoisted(() => ({ rename: undefined as ((from: string, to: string) => Error | undefined) | undefined }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  const rename = async (from: string, to: string): Promise<void> => {
    const error = failing.rename?.(from, to);
    if (error) throw error;
    return actual.rename(from, to);
  };
  return { ...actual, default: { ...actual, rename }, rename };
});

const { placePackage } = await import("./place-package.js");

/** An npm tarball (package/ inside) whose package.json says `marker`. */
function tarball(dir: string, marker: string): string {
  mkdirSync(join(dir, marker, "package"), { recursive: true });
  writeFileSync(join(dir, marker, "package", "package.json"), JSON.stringify({ marker }));
  execFileSync("tar", ["-czf", join(dir, `${marker}.tgz`), "-C", join(dir, marker), "package"]);
  return join(dir, `${marker}.tgz`);
}

afterEach(() => void (failing.rename = undefined));

describe("placing an unpacked package", () => {
  it("puts the old package back and leaves no staging folder when the new one cannot take its name", async () => {
    const work = mkdtempSync(join(tmpdir(), "spark-place-"));
    const scope = join(work, "node_modules", "@node-llama-cpp");
    const destination = join(scope, "linux-x64-vulkan");
    await placePackage(tarball(work, "old"), destination);
    failing.rename = (from, to) => (to === destination && from.endsWith("package") ? Object.assign(new Error("EIO: i/o error, rename"), { code: "EIO" }) : undefined);
    await expect(placePackage(tarball(work, "new"), destination)).rejects.toThrow("EIO");
    expect(JSON.parse(readFileSync(join(destination, "package.json"), "utf8"))).toEqual({ marker: "old" });
    expect(readdirSync(scope)).toEqual(["linux-x64-vulkan"]);
    // Without the failure the new one replaces it, and again nothing else is left.
    failing.rename = undefined;
    await placePackage(tarball(work, "new"), destination);
    expect(JSON.parse(readFileSync(join(destination, "package.json"), "utf8"))).toEqual({ marker: "new" });
    expect(readdirSync(scope)).toEqual(["linux-x64-vulkan"]);
  });

  it("keeps the old package where it is, and says where, when even putting it back fails", async () => {
    const work = mkdtempSync(join(tmpdir(), "spark-place-"));
    const scope = join(work, "node_modules", "@node-llama-cpp");
    const destination = join(scope, "linux-x64-vulkan");
    await placePackage(tarball(work, "old"), destination);
    failing.rename = (_from, to) => (to === destination ? new Error("EIO: i/o error, rename") : undefined);
    await expect(placePackage(tarball(work, "new"), destination)).rejects.toMatchObject({ code: "engine_install_failed", message: expect.stringMatching(/nor the package it replaced back: it is in .*old; move it back/) });
    const [staging] = readdirSync(scope);
    expect(JSON.parse(readFileSync(join(scope, staging as string, "old", "package.json"), "utf8"))).toEqual({ marker: "old" });
  });
});
