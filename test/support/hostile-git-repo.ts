import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./run-spark.js";

/** Every way a repository's own git config makes git run a program, each leaving a marker file of its name. */
export const hostileMechanisms = ["fsmonitor", "post-checkout", "reference-transaction", "external-diff", "textconv", "clean", "smudge", "process"] as const;

export interface HostileRepo {
  dir: string;
  /** The markers written so far: the names of the mechanisms that ran. */
  markers(): string[];
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.email=test@example.com", "-c", "user.name=test", ...args], { cwd, stdio: "pipe", encoding: "utf8" });
}

/**
 * A repository with two commits and a staged change, whose `.git/config`, hooks and `.gitattributes`
 * run a marker script through core.fsmonitor, post-checkout and reference-transaction hooks, diff.external,
 * a textconv driver, and clean / smudge / process filters. The hostile config is written after the
 * commits, so setting the repository up runs none of them.
 */
export function hostileGitRepo(files: Record<string, string>, changed: Record<string, string>): HostileRepo {
  const root = tempDir("spark-hostile-git-");
  const marks = join(root, "markers");
  const dir = join(root, "repo");
  mkdirSync(marks);
  mkdirSync(dir);
  const script = join(root, "mark.sh");
  // Filters must pass the content through. A process filter that does not speak git's protocol makes the
  // command fail, so it only covers a file that changes in neither commit: `git add` still starts it.
  writeFileSync(script, `#!/bin/sh\ntouch "${marks}/$1"\ncase "$1" in clean|smudge) exec cat ;; esac\nexit 0\n`);
  chmodSync(script, 0o755);
  git(dir, "init", "-q");
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  writeFileSync(join(dir, ".gitattributes"), "* filter=evil diff=evil\nlate.bin filter=evilproc\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "base");
  for (const [path, text] of Object.entries(changed)) writeFileSync(join(dir, path), text);
  git(dir, "commit", "-qam", "change");
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  git(dir, "add", "-A");
  const config = [
    "[core]",
    `\tfsmonitor = "${script} fsmonitor"`,
    "[diff]",
    `\texternal = "${script} external-diff"`,
    '[diff "evil"]',
    `\ttextconv = "${script} textconv"`,
    '[filter "evil"]',
    `\tclean = "${script} clean"`,
    `\tsmudge = "${script} smudge"`,
    '[filter "evilproc"]',
    `\tprocess = "${script} process"`,
  ];
  writeFileSync(join(dir, ".git", "config"), `[core]\n\trepositoryformatversion = 0\n\tbare = false\n${config.join("\n")}\n`);
  for (const hook of ["post-checkout", "reference-transaction"]) {
    writeFileSync(join(dir, ".git", "hooks", hook), `#!/bin/sh\n"${script}" ${hook}\n`);
    chmodSync(join(dir, ".git", "hooks", hook), 0o755);
  }
  return { dir, markers: () => readdirSync(marks).sort() };
}
