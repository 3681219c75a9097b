import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyPatch } from "./apply-patch.js";
import { nodePatchFs, type PatchFs } from "./patch-fs.js";

let base: string;
let ws: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "spark-guard-"));
  ws = join(base, "ws");
  await mkdir(join(ws, ".git"), { recursive: true });
  await writeFile(join(ws, ".git", "config"), "[core]\n");
  await writeFile(join(ws, "a.txt"), "a\n");
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const codex = (...lines: string[]): string => ["*** Begin Patch", ...lines, "*** End Patch"].join("\n");

describe("protected paths in the patch engine", () => {
  it("refuses a move into or out of .git, and a write through a link to it, per operation", async () => {
    await symlink(".git/config", join(ws, "x"));
    await symlink(".git", join(ws, "dotgit"));
    const report = await applyPatch(
      codex(
        "*** Update File: a.txt", "*** Move to: .git/hooks/pre-commit", "@@", "-a", "+b",
        "*** Update File: .git/config", "*** Move to: b.txt", "@@", "-[core]", "+[x]",
        "*** Add File: x", "+[core]",
        "*** Add File: dotgit/hooks/post-checkout", "+#!/bin/sh",
        "*** Add File: ok.txt", "+ok",
      ),
      { workspace: ws },
    );
    expect(report.status).toBe("partial");
    expect(report.operations.map((op) => op.error?.code)).toEqual(["protected_path", "protected_path", "protected_path", "protected_path", undefined]);
    expect(report.operations[2]?.error?.message).toContain("x (it is a symbolic link to .git/config) is protected");
    expect(report.operations[0]?.error?.message).toContain("--allow-protected");
    expect(await readFile(join(ws, ".git", "config"), "utf8")).toBe("[core]\n");
    expect((await readdir(join(ws, ".git"))).sort()).toEqual(["config"]);
    expect(await readFile(join(ws, "a.txt"), "utf8")).toBe("a\n");
  });

  it("adds [sandbox] protected globs, and allowProtected lifts the rule", async () => {
    const patch = codex("*** Add File: deploy/prod.env", "+KEY=1");
    expect((await applyPatch(patch, { workspace: ws, protectedGlobs: ["deploy/**"] })).operations[0]?.error?.message).toContain("[sandbox] protected");
    expect((await applyPatch(patch, { workspace: ws, protectedGlobs: ["deploy/**"], allowProtected: true })).status).toBe("applied");
  });
});

describe("directories git would take for a repository", () => {
  // The attacker's patch: docs/ becomes a bare repository whose config names an fsmonitor command.
  const bareRepo = [
    "*** Add File: docs/HEAD", "+ref: refs/heads/master",
    "*** Add File: docs/config", "+[core]", "+\tbare = false", "+\tworktree = ..", "+\tfsmonitor = \"touch pwned\"",
    "*** Add File: docs/objects/info/keep", "+",
    "*** Add File: docs/refs/heads/keep", "+",
    "*** Add File: docs/guide.md", "+fine",
  ];

  it("refuses every write that would complete one, naming the directory, and applies the rest", async () => {
    const report = await applyPatch(codex(...bareRepo, "*** Add File: notes/HEAD", "+a file named HEAD is fine"), { workspace: ws });
    expect(report.operations.map((op) => op.error?.code)).toEqual(["protected_path", "protected_path", "protected_path", "protected_path", "protected_path", undefined]);
    expect(report.operations[0]?.error?.message).toMatch(/docs\/HEAD is protected: it is in docs\/, and git would take that directory for a repository/);
    expect((await readdir(ws)).sort()).toEqual([".git", "a.txt", "notes"]);
  });

  it("refuses a write inside one already on disk, or completed through a link to it; allowProtected lifts the rule", async () => {
    await mkdir(join(ws, "docs", "objects"), { recursive: true });
    await mkdir(join(ws, "docs", "refs"));
    await symlink("docs", join(ws, "d"));
    const completing = await applyPatch(codex("*** Add File: d/HEAD", "+ref: refs/heads/main"), { workspace: ws });
    expect(completing.operations[0]?.error?.message).toContain("d/HEAD is protected: it is in docs/");
    await writeFile(join(ws, "docs", "HEAD"), "ref: refs/heads/main\n");
    expect((await applyPatch(codex("*** Add File: docs/refs/heads/main", "+0"), { workspace: ws })).operations[0]?.error?.code).toBe("protected_path");
    expect((await applyPatch(codex("*** Add File: docs/config", "+[core]"), { workspace: ws, allowProtected: true })).status).toBe("applied");
  });
});

describe("what changed between reading and writing", () => {
  it("refuses to overwrite a file another writer changed after it was read, keeping that change", async () => {
    // The other writer saves just as the engine creates its temp file.
    const racing: PatchFs = {
      ...nodePatchFs,
      openExclusive: async (path, mode) => {
        await writeFile(join(ws, "a.txt"), "theirs\n");
        return nodePatchFs.openExclusive(path, mode);
      },
    };
    const report = await applyPatch(codex("*** Update File: a.txt", "@@", "-a", "+mine"), { workspace: ws, fs: racing });
    expect(report.operations[0]?.error).toMatchObject({ code: "changed_on_disk", message: expect.stringContaining("Read the file again") });
    expect(await readFile(join(ws, "a.txt"), "utf8")).toBe("theirs\n");
    expect((await readdir(ws)).sort()).toEqual([".git", "a.txt"]);
  });

  it("refuses when a parent directory is swapped for a link to outside between planning and writing", async () => {
    await mkdir(join(ws, "d"));
    await writeFile(join(ws, "d", "f.txt"), "f\n");
    await mkdir(join(base, "outside"));
    await writeFile(join(base, "outside", "f.txt"), "f\n");
    let swapped = false;
    const swapping: PatchFs = {
      ...nodePatchFs,
      openDirectory: async (path) => {
        if (!swapped) {
          swapped = true;
          await rename(join(ws, "d"), join(ws, "d.old"));
          await symlink(join(base, "outside"), join(ws, "d"));
        }
        return nodePatchFs.openDirectory(path);
      },
    };
    const report = await applyPatch(codex("*** Update File: d/f.txt", "@@", "-f", "+pwned", "*** Add File: d/new.txt", "+x"), { workspace: ws, fs: swapping });
    expect(report.status).toBe("refused");
    expect(report.operations[0]?.error?.code).toBe("changed_on_disk");
    expect((await readdir(join(base, "outside"))).sort()).toEqual(["f.txt"]);
    expect(await readFile(join(base, "outside", "f.txt"), "utf8")).toBe("f\n");
  });
});
