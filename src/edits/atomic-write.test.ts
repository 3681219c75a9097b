import { spawn } from "node:child_process";
import { lstat, mkdtemp, readFile, readdir, realpath, rm, stat, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { atomicWriteFile, isSparkTempName } from "./atomic-write.js";
import { type PatchFileHandle, type PatchFs, nodePatchFs } from "./patch-fs.js";
import { applyPatch } from "./apply-patch.js";
import { expectationOf } from "./disk-identity.js";

let ws: string;
beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), "spark-atomic-"));
});
afterEach(async () => {
  await rm(ws, { recursive: true, force: true });
});

const injected = new Error("injected fault");

/** The real file system with one call replaced. */
function faultyFs(overrides: Partial<PatchFs>): PatchFs {
  return { ...nodePatchFs, ...overrides };
}

/** The real temp-file handle with some of its calls replaced. */
function faultyHandles(overrides: (handle: PatchFileHandle) => Partial<PatchFileHandle>): PatchFs {
  return faultyFs({
    openExclusive: async (path, mode) => {
      const handle = await nodePatchFs.openExclusive(path, mode);
      return {
        write: (data, offset, length, position) => handle.write(data, offset, length, position),
        sync: () => handle.sync(),
        chmod: (m) => handle.chmod(m),
        close: () => handle.close(),
        ...overrides(handle),
      };
    },
  });
}

/** A write that puts half of the bytes on disk, then fails (a full disk, a yanked drive). */
const halfWriteFs = faultyHandles((handle) => ({
  write: async (data, offset, length, position) => {
    await handle.write(data, offset, Math.floor(length / 2), position);
    throw injected;
  },
}));

/** Replaces ws/NAME through the engine's directory handle, expecting the file as it is now. */
async function writeIn(fs: PatchFs, name: string, data: string, mode?: number): Promise<void> {
  const realDir = await realpath(ws);
  const dir = await fs.openDirectory(realDir);
  try {
    const expected = expectationOf(await lstat(join(ws, name)));
    await atomicWriteFile(dir, name, Buffer.from(data), { fs, mode, displayPath: name, expected, realDir });
  } finally {
    await dir.close();
  }
}

async function expectOnly(names: string[]): Promise<void> {
  expect((await readdir(ws)).sort()).toEqual(names.sort());
}

describe("atomicWriteFile", () => {
  it("replaces the content and sets the mode exactly", async () => {
    const file = join(ws, "a.txt");
    await writeFile(file, "old\n");
    await writeIn(nodePatchFs, "a.txt", "new\n", 0o640);
    expect(await readFile(file, "utf8")).toBe("new\n");
    expect((await stat(file)).mode & 0o7777).toBe(0o640);
    await expectOnly(["a.txt"]);
  });

  it.each([
    ["rename", faultyFs({ rename: () => Promise.reject(injected) })],
    ["half-way write", halfWriteFs],
    ["fsync", faultyHandles(() => ({ sync: () => Promise.reject(injected) }))],
    ["open", faultyFs({ openExclusive: () => Promise.reject(injected) })],
  ])("leaves the old file whole and no temp file when %s fails", async (_name, fs) => {
    const file = join(ws, "a.txt");
    await writeFile(file, "old content\n");
    await expect(writeIn(fs, "a.txt", "new content, longer than the old one\n")).rejects.toMatchObject({
      patchCode: "io",
      message: expect.stringContaining("Could not write a.txt: injected fault"),
    });
    expect(await readFile(file, "utf8")).toBe("old content\n");
    await expectOnly(["a.txt"]);
  });
});

describe("applyPatch under injected faults", () => {
  it("keeps the files written before the fault and reports the failed one, wholly old", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    await writeFile(join(ws, "b.txt"), "b\n");
    await chmod(join(ws, "b.txt"), 0o600);
    const fs = faultyFs({ rename: (from, to) => (to.endsWith("b.txt") ? Promise.reject(injected) : nodePatchFs.rename(from, to)) });
    const patch = "*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+A\n*** Update File: b.txt\n@@\n-b\n+B\n*** End Patch";
    const report = await applyPatch(patch, { workspace: ws, fs });
    expect(report.status).toBe("partial");
    expect(report.operations[1]).toMatchObject({ status: "failed", error: { code: "io" } });
    expect(report.files).toEqual([{ path: "a.txt", change: "modified" }]);
    expect(await readFile(join(ws, "a.txt"), "utf8")).toBe("A\n");
    expect(await readFile(join(ws, "b.txt"), "utf8")).toBe("b\n");
    expect((await stat(join(ws, "b.txt"))).mode & 0o7777).toBe(0o600);
    await expectOnly(["a.txt", "b.txt"]);
  });

  it("does not delete a moved file's source when its destination could not be written", async () => {
    await writeFile(join(ws, "src.txt"), "x\n");
    const patch = "*** Begin Patch\n*** Update File: src.txt\n*** Move to: dst.txt\n@@\n-x\n+y\n*** End Patch";
    const report = await applyPatch(patch, { workspace: ws, fs: halfWriteFs });
    expect(report.status).toBe("refused");
    expect(await readFile(join(ws, "src.txt"), "utf8")).toBe("x\n");
    await expectOnly(["src.txt"]);
  });
});

describe("a process killed while applying", () => {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

  it("leaves the file wholly old (only a recognisable temp file may remain)", async () => {
    const old = "old line\n".repeat(2000);
    await writeFile(join(ws, "big.txt"), old);
    const script = join(ws, "..", `spark-kill-${process.pid}-${Date.now()}.mts`);
    // The child writes half of the new file, says so, then hangs until it is killed.
    await writeFile(
      script,
      [
        `import { applyPatch, nodePatchFs } from ${JSON.stringify(join(repoRoot, "src/edits/index.ts"))};`,
        "const fs = { ...nodePatchFs, openExclusive: async (path, mode) => {",
        "  const handle = await nodePatchFs.openExclusive(path, mode);",
        "  return { sync: () => handle.sync(), chmod: (m) => handle.chmod(m), close: () => handle.close(),",
        "    write: async (data, offset, length, position) => {",
        "      await handle.write(data, offset, Math.floor(length / 2), position);",
        "      process.stdout.write('half-written\\n');",
        "      await new Promise(() => setInterval(() => {}, 1000));",
        "      return { bytesWritten: 0 };",
        "    } };",
        "} };",
        `const patch = "*** Begin Patch\\n*** Update File: big.txt\\n@@\\n-old line\\n+new line\\n*** End Patch";`,
        `await applyPatch(patch.replace("@@\\n-old line\\n+new line", "@@\\n" + Array(2000).fill("-old line").join("\\n") + "\\n" + Array(2000).fill("+new line").join("\\n")), { workspace: ${JSON.stringify(ws)}, fs });`,
      ].join("\n"),
    );
    try {
      const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      await new Promise<void>((resolveReady, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("half-written")) resolveReady();
        });
        child.on("exit", (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
      });
      const exited = new Promise((resolveExit) => child.on("exit", resolveExit));
      child.kill("SIGKILL");
      await exited;
    } finally {
      await rm(script, { force: true });
    }
    expect(await readFile(join(ws, "big.txt"), "utf8")).toBe(old);
    const others = (await readdir(ws)).filter((name) => name !== "big.txt");
    expect(others.length).toBe(1);
    expect(others.every(isSparkTempName)).toBe(true);
  }, 30_000);
});
