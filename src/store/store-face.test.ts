import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Imports `module` in a fresh process and says whether ioredis was loaded by it. */
async function loadsIoredis(module: string): Promise<boolean> {
  // ioredis is CommonJS: once loaded it sits in the require cache, whoever imported it.
  const script = [
    `await import(${JSON.stringify(module)});`,
    `const require = (await import("node:module")).createRequire(${JSON.stringify(`${repoRoot}/`)});`,
    `process.stdout.write(String(require.resolve("ioredis") in require.cache));`,
  ].join("\n");
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: repoRoot });
  return stdout.trim() === "true";
}

describe("the store's faces", () => {
  it("index.ts does not load ioredis; redis.ts does", async () => {
    expect(await loadsIoredis(`${repoRoot}/src/store/index.ts`)).toBe(false);
    expect(await loadsIoredis(`${repoRoot}/src/store/redis.ts`)).toBe(true);
  }, 60_000);
});
