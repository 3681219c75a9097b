import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { SparkError } from "../core/index.js";

const run = promisify(execFile);

/**
 * Spark runs git on the host, outside the sandbox, in repositories it did not write. A repository's own
 * config (`.git/config`, its includes, `config.worktree`) and attributes can make git run commands:
 * - `core.fsmonitor` on every command that reads the index (diff, add, status, checkout);
 * - hooks, from `.git/hooks` or `core.hooksPath` (post-checkout on `worktree add`, reference-transaction
 *   on any ref update, the commit hooks, pre-auto-gc);
 * - `diff.external` and `diff.<driver>.command` / `.textconv` through `.gitattributes`: callers of diff pass
 *   `--no-ext-diff --no-textconv` as well;
 * - `filter.<driver>.clean` / `.smudge` / `.process` through `.gitattributes` (in the tree, in
 *   `.git/info/attributes` or `core.attributesFile`), on add, diff against the worktree, apply and checkout;
 * - signing programs (`commit.gpgSign` with `gpg.program`), the pager, and every transport (a lazy fetch
 *   of a partial clone runs `core.sshCommand`, `remote.*.uploadpack` or an `ext::` command).
 * Each is switched off by a `-c` override, which beats every config file and reaches child gits through
 * GIT_CONFIG_PARAMETERS. Filter drivers have names of the repository's choosing, so their names are read
 * first (`git config` only reads files) and each one is emptied; an empty command is "no filter" to git.
 */
const fixedOverrides = [
  "core.fsmonitor=false",
  "core.hooksPath=/dev/null",
  "diff.external=",
  "core.pager=cat",
  "commit.gpgSign=false",
  "tag.gpgSign=false",
  "log.showSignature=false",
  "gpg.program=false",
  "core.sshCommand=false",
  "credential.helper=",
  "submodule.recurse=false",
  "protocol.allow=never",
  "gc.auto=0",
  "maintenance.auto=false",
];

/** More drivers than any real repository defines; past it the argument list itself would become the risk. */
const maxFilterDrivers = 100;

/** `GIT_ALLOW_PROTOCOL` set (to nothing allowed) overrides every `protocol.*.allow` a config may set. */
export function safeGitEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, GIT_ALLOW_PROTOCOL: "none", GIT_TERMINAL_PROMPT: "0", GIT_NO_LAZY_FETCH: "1" };
}

/** Filter driver names that any config git reads in `cwd` defines (`filter.NAME.VAR`; NAME may hold dots). */
async function filterDrivers(cwd: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await run("git", ["config", "--null", "--name-only", "--get-regexp", "^filter\\..+\\."], { cwd, env: safeGitEnv(), maxBuffer: 16 * 1024 * 1024 }));
  } catch {
    // Exit 1: no filter is configured (or this is no repository, and git will say so on the real command).
    return [];
  }
  const names = new Set(stdout.split("\0").filter((key) => key !== "").map((key) => key.slice("filter.".length, key.lastIndexOf("."))));
  return [...names];
}

/**
 * The argument list that runs `git ARGS` in `cwd` without running anything the repository configured.
 * Use it with `safeGitEnv()` at every place Spark runs git on the host.
 */
export async function safeGitArgs(cwd: string, args: readonly string[]): Promise<string[]> {
  const drivers = await filterDrivers(cwd);
  if (drivers.length > maxFilterDrivers) {
    throw new SparkError(
      "command_refused",
      `The git config of ${cwd} defines ${drivers.length} filter drivers; Spark neutralises at most ${maxFilterDrivers} before it runs git there. Remove the [filter "..."] sections you do not use from .git/config.`,
      { status: 400 },
    );
  }
  const filterOverrides = drivers.flatMap((name) => ["process", "clean", "smudge"].map((key) => `filter.${name}.${key}=`).concat(`filter.${name}.required=false`));
  return ["--no-pager", ...[...fixedOverrides, ...filterOverrides].flatMap((setting) => ["-c", setting]), ...args];
}
