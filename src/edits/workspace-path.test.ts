import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile, lstat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyPatch } from "./apply-patch.js";
import { openWorkspace, resolveWorkspacePath } from "./workspace-path.js";
import { nodePatchFs } from "./patch-fs.js";

let base: string;
let ws: string;
let outside: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "spark-paths-"));
  ws = join(base, "ws");
  outside = join(base, "outside");
  await mkdir(ws);
  await mkdir(outside);
  await writeFile(join(outside, "secret.txt"), "secret\n");
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const codex = (...lines: string[]): string => ["*** Begin Patch", ...lines, "*** End Patch"].join("\n");
const update = (path: string): string => codex(`*** Update File: ${path}`, "@@", "-secret", "+pwned");

async function refusal(patch: string): Promise<string> {
  const report = await applyPatch(patch, { workspace: ws });
  expect(report.status).toBe("refused");
  const op = report.operations[0];
  expect(op?.error?.code).toBe("path_escape");
  return op?.error?.message ?? "";
}

describe("workspace paths", () => {
  it("refuses absolute paths, '..' escapes and '~'", async () => {
    expect(await refusal(update(join(outside, "secret.txt")))).toContain("is an absolute path");
    expect(await refusal(update("../outside/secret.txt"))).toContain("uses '..' to leave the workspace");
    expect(await refusal(update("a/../../outside/secret.txt"))).toContain("uses '..'");
    expect(await refusal(codex("*** Add File: ~/x", "+x"))).toContain("starts with '~'");
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("secret\n");
  });

  it("allows '..' that stays inside and normalises the path", async () => {
    const workspace = await openWorkspace(ws, nodePatchFs);
    const path = await resolveWorkspacePath(workspace, "src/../a//b.txt", nodePatchFs);
    expect(path.display).toBe("a/b.txt");
  });

  it("refuses a symlinked file that points outside", async () => {
    await symlink(join(outside, "secret.txt"), join(ws, "link.txt"));
    expect(await refusal(update("link.txt"))).toMatch(/link\.txt leads outside the workspace through a symbolic link/);
    expect(await refusal(codex("*** Delete File: link.txt"))).toContain("outside the workspace");
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("secret\n");
  });

  it("refuses a path under a symlinked parent directory that points outside", async () => {
    await symlink(outside, join(ws, "vendor"));
    await refusal(update("vendor/secret.txt"));
    await refusal(codex("*** Add File: vendor/new/evil.txt", "+x"));
    expect(await readdir(outside)).toEqual(["secret.txt"]);
  });

  it("refuses a dangling symlink that would create a file outside", async () => {
    await symlink(join(outside, "created.txt"), join(ws, "dangling.txt"));
    await refusal(codex("*** Add File: dangling.txt", "+x"));
    expect(await readdir(outside)).toEqual(["secret.txt"]);
  });

  it("edits through a symlink that stays inside, keeping the link", async () => {
    await writeFile(join(ws, "real.txt"), "a\n");
    await symlink("real.txt", join(ws, "alias.txt"));
    const report = await applyPatch(codex("*** Update File: alias.txt", "@@", "-a", "+b"), { workspace: ws });
    expect(report.status).toBe("applied");
    expect(await readFile(join(ws, "real.txt"), "utf8")).toBe("b\n");
    expect((await lstat(join(ws, "alias.txt"))).isSymbolicLink()).toBe(true);
  });

  it("refuses a symlink loop with a clear message", async () => {
    await symlink("loop-b", join(ws, "loop-a"));
    await symlink("loop-a", join(ws, "loop-b"));
    expect(await refusal(codex("*** Add File: loop-a", "+x"))).toMatch(/symbolic link/);
  });
});

describe("names that disguise a path or cannot exist", () => {
  it.each([
    ["a right-to-left override", "invoice\u202Etxt.exe", "U+202E"],
    ["a zero-width space", "a\u200Bb.txt", "U+200B"],
    ["a C0 control", "bell\u0007.txt", "U+0007"],
    ["a C1 control", "x\u0085.txt", "U+0085"],
    ["an isolate", "a\u2066b.txt", "U+2066"],
  ])("refuses %s, saying why", async (_what, name, code) => {
    const report = await applyPatch(codex(`*** Add File: ${name}`, "+x", "*** Add File: fine.txt", "+ok"), { workspace: ws });
    expect(report.operations[0]?.error).toMatchObject({ code: "unsafe_name", message: expect.stringContaining(code) });
    expect(report.operations[1]?.status).toBe("applied");
    expect(await readdir(ws)).toEqual(["fine.txt"]);
  });

  it("refuses an over-long name or path for that operation only", async () => {
    const report = await applyPatch(codex(`*** Add File: ${"n".repeat(256)}.txt`, "+x", `*** Delete File: ${"d/".repeat(1600)}x`, "*** Add File: ok.txt", "+ok"), { workspace: ws });
    expect(report.operations.map((op) => op.error?.code)).toEqual(["unsafe_name", "unsafe_name", undefined]);
    expect(report.operations[0]?.error?.message).toContain("too long");
  });
});
