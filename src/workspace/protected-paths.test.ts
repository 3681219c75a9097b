import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProtectedPaths } from "./protected-paths.js";

function tempRepo(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "spark-protected-")));
  execFileSync("git", ["init", "-q", dir]);
  return dir;
}

describe("protected paths", () => {
  it("protects .git at any depth and in any spelling a file system might resolve to it", async () => {
    const paths = await loadProtectedPaths(tempRepo());
    for (const path of [".git/config", ".git/hooks/pre-commit", "sub/.git/config", "sub/.git", ".GIT/config", ".git./config", "a/.Git /x"]) {
      expect(paths.reasonFor(path), path).toMatch(/\.git/);
    }
    expect(paths.reasonFor("src/git.ts")).toBeUndefined();
    expect(paths.reasonFor(".gitignore")).toBeUndefined();
    expect(paths.reasonFor("docs/.github/workflow.yml")).toBeUndefined();
  });

  it("protects husky, Spark's own config and editor task folders at the root", async () => {
    const paths = await loadProtectedPaths(tempRepo());
    expect(paths.reasonFor(".husky/pre-commit")).toMatch(/\.husky/);
    expect(paths.reasonFor(".spark/config.toml")).toMatch(/\.spark/);
    expect(paths.reasonFor(".vscode/tasks.json")).toMatch(/\.vscode/);
    expect(paths.reasonFor("src/.spark-notes.md")).toBeUndefined();
  });

  it("protects the directory core.hooksPath names, read the way git reads it", async () => {
    const repo = tempRepo();
    execFileSync("git", ["-C", repo, "config", "core.hooksPath", ".githooks"]);
    const paths = await loadProtectedPaths(repo);
    expect(paths.roots).toContain(".githooks");
    expect(paths.reasonFor(".githooks/pre-commit")).toMatch(/core\.hooksPath/);
    expect(paths.reasonFor("githooks/pre-commit")).toBeUndefined();
  });

  it("asks git where hooks are: core.hooksPath from the user's global config, with ~/ expanded", async () => {
    // A temp HOME stands for the user's; git reads its .gitconfig as it will for their `git commit`.
    const home = realpathSync(mkdtempSync(join(tmpdir(), "spark-protected-home-")));
    const env = { PATH: process.env["PATH"] ?? "", HOME: home, GIT_CONFIG_NOSYSTEM: "1" };
    writeFileSync(join(home, ".gitconfig"), "[core]\n\thooksPath = .githooks\n");
    const repo = tempRepo();
    const paths = await loadProtectedPaths(repo, { env });
    expect(paths.roots).toContain(".githooks");
    expect(paths.reasonFor(".githooks/pre-commit")).toMatch(/core\.hooksPath/);

    const project = join(home, "project");
    execFileSync("git", ["init", "-q", project]);
    writeFileSync(join(home, ".gitconfig"), "[core]\n\thooksPath = ~/project/hk\n");
    expect((await loadProtectedPaths(project, { env })).reasonFor("hk/pre-push")).toMatch(/core\.hooksPath/);
  });

  it("resolves a relative core.hooksPath from the repository's top level when the workspace is a subfolder", async () => {
    const repo = tempRepo();
    execFileSync("git", ["-C", repo, "config", "core.hooksPath", "tools/hooks"]);
    mkdirSync(join(repo, "tools", "hooks"), { recursive: true });
    const paths = await loadProtectedPaths(join(repo, "tools"));
    expect(paths.roots).toContain("hooks");
    expect(paths.reasonFor("hooks/pre-commit")).toMatch(/core\.hooksPath/);
    expect(paths.reasonFor("tools/hooks/pre-commit")).toBeUndefined();
  });

  it("adds the globs of [sandbox] protected, covering what is inside a matched directory", async () => {
    const paths = await loadProtectedPaths(tempRepo(), { extra: ["deploy/**", "secrets"] });
    expect(paths.reasonFor("deploy/prod.yml")).toMatch(/\[sandbox\] protected/);
    expect(paths.reasonFor("secrets/key.pem")).toMatch(/\[sandbox\] protected/);
    expect(paths.reasonFor("src/deploy.ts")).toBeUndefined();
  });

  it("works outside a git repository", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "spark-protected-")));
    const paths = await loadProtectedPaths(dir);
    expect(paths.reasonFor("x/.git/hooks/post-checkout")).toBeDefined();
    expect(paths.reasonFor("src/a.ts")).toBeUndefined();
  });
});
