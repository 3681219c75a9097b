import { chmodSync, chownSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./load-config.js";

/** A tree under a fresh temp root: `.spark/config.toml` files at the given directories, and `.git` dirs. */
function tree(configs: string[], gitDirs: string[] = []) {
  const root = mkdtempSync(join(tmpdir(), "spark-find-project-"));
  for (const dir of configs) {
    mkdirSync(join(root, dir, ".spark"), { recursive: true });
    writeFileSync(join(root, dir, ".spark", "config.toml"), `model = "from-${dir.replaceAll("/", "-") || "root"}"\n`);
  }
  for (const dir of gitDirs) mkdirSync(join(root, dir, ".git"), { recursive: true });
  return root;
}

// SPARK_HOME elsewhere: a home/.spark/config.toml here is not the user's own config.
const load = (cwd: string, home: string) => loadConfig({ cwd, env: { SPARK_HOME: join(home, "spark-user"), HOME: home } });

describe("which project config is read", () => {
  it("stops at the repository's root: a .spark/config.toml in a parent of the repository is not read", async () => {
    const root = tree(["shared"], ["shared/repo"]);
    mkdirSync(join(root, "shared", "repo", "src"), { recursive: true });
    const loaded = await load(join(root, "shared", "repo", "src"), join(root, "home"));
    expect(loaded.files).toEqual([]);
    expect(loaded.config.model).toBeUndefined();
  });

  it("still finds the repository's own, from a subdirectory", async () => {
    const root = tree(["repo"], ["repo"]);
    mkdirSync(join(root, "repo", "src"));
    expect((await load(join(root, "repo", "src"), join(root, "home"))).config.model).toBe("from-repo");
  });

  it("never reads one in the home directory or above it for a workspace under home", async () => {
    const root = tree(["", "home"]);
    mkdirSync(join(root, "home", "work"), { recursive: true });
    const loaded = await load(join(root, "home", "work"), join(root, "home"));
    expect(loaded.files).toEqual([]);
  });

  it("ignores, with a warning, a file every user may write or another user owns", async () => {
    const root = tree(["open", "theirs"]);
    chmodSync(join(root, "open", ".spark", "config.toml"), 0o666);
    const open = await load(join(root, "open"), join(root, "home"));
    expect(open.config.model).toBeUndefined();
    expect(open.warnings.join("\n")).toMatch(/ignored .*open\/\.spark\/config\.toml: .* is writable by every user \(mode 666\)/);

    const uid = process.getuid?.();
    if (uid !== 0) return; // only root can give a file to another user
    chownSync(join(root, "theirs", ".spark"), 4242, 4242);
    const theirs = await load(join(root, "theirs"), join(root, "home"));
    expect(theirs.config.model).toBeUndefined();
    expect(theirs.warnings.join("\n")).toMatch(/theirs\/\.spark belongs to another user \(uid 4242\)/);
  });
});
