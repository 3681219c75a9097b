import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gitDirShaped, gitDirShapedAncestor } from "./git-dir-shape.js";

function tempDir(): string {
  return realpathSync(mkdtempSync(join(tmpdir(), "spark-gitdir-shape-")));
}

describe("git-dir shaped directories", () => {
  it("is a HEAD file with objects/ and refs/ directories, or with a commondir file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "HEAD"), "ref: refs/heads/main\n");
    expect(await gitDirShaped(dir)).toBe(false);
    mkdirSync(join(dir, "objects"));
    expect(await gitDirShaped(dir)).toBe(false);
    mkdirSync(join(dir, "refs"));
    expect(await gitDirShaped(dir)).toBe(true);

    const linked = tempDir();
    symlinkSync("refs/heads/main", join(linked, "HEAD"));
    writeFileSync(join(linked, "commondir"), "../.git\n");
    expect(await gitDirShaped(linked)).toBe(true);
  });

  it("counts files still to be written, in any case a case-insensitive file system would resolve", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "refs"));
    expect(await gitDirShaped(dir, [join(dir, "head"), join(dir, "Objects", "info", "keep")])).toBe(true);
    expect(await gitDirShaped(dir, [join(dir, "HEAD"), join(dir, "objects")])).toBe(false);
  });

  it("names the nearest shaped ancestor of a path, up to the root", async () => {
    const root = tempDir();
    mkdirSync(join(root, "docs", "objects"), { recursive: true });
    mkdirSync(join(root, "docs", "refs"));
    const target = join(root, "docs", "refs", "heads", "main");
    expect(await gitDirShapedAncestor(root, target)).toBeUndefined();
    expect(await gitDirShapedAncestor(root, target, [join(root, "docs", "HEAD")])).toBe("docs");
    expect(await gitDirShapedAncestor(join(root, "docs"), join(root, "docs", "x"), [join(root, "docs", "HEAD")])).toBe(".");
    expect(await gitDirShapedAncestor(join(root, "docs", "refs"), target, [join(root, "docs", "HEAD")])).toBeUndefined();
  });
});
