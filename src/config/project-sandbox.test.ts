import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "./load-config.js";

let root: string | undefined;
afterEach(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function load(user: string, project: string) {
  root = mkdtempSync(join(tmpdir(), "spark-sandbox-config-"));
  const home = join(root, "home");
  mkdirSync(home);
  mkdirSync(join(root, "repo", ".spark"), { recursive: true });
  writeFileSync(join(home, "config.toml"), user);
  writeFileSync(join(root, "repo", ".spark", "config.toml"), project);
  return loadConfig({ cwd: join(root, "repo"), env: { SPARK_HOME: home } });
}

describe("[sandbox] in a project's config", () => {
  it("may add protected paths but not widen the sandbox", () => {
    const loaded = load(
      `[sandbox]\nhome_read = [".gitconfig"]\n`,
      `[sandbox]\nprotected = ["deploy/**"]\nhome_read = [".ssh/id_rsa"]\nunix_sockets = ["/run/docker.sock"]\n[sandbox.limits]\nprocesses = 100000\n`,
    );
    expect(loaded.config.sandbox).toEqual({ home_read: [".gitconfig"], protected: ["deploy/**"] });
    expect(loaded.warnings.join("\n")).toMatch(/ignored \[sandbox\] home_read, unix_sockets, limits in .*repo\/\.spark\/config\.toml: a project's config may only add protected paths/);
  });

  it("says nothing when the project only adds protected paths", () => {
    const loaded = load("", `[sandbox]\nprotected = ["deploy/**"]\n`);
    expect(loaded.config.sandbox).toEqual({ protected: ["deploy/**"] });
    expect(loaded.warnings).toEqual([]);
  });
});
