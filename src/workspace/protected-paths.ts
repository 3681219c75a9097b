import { execFile } from "node:child_process";
import { realpath } from "node:fs/promises";
import { isAbsolute, normalize, relative, sep } from "node:path";
import picomatch from "picomatch";
import { safeGitEnv } from "./safe-git.js";

/**
 * Paths in a workspace that neither the model nor a command it runs may change, because something on the
 * host later runs or trusts what they hold: git runs hooks and `core.fsmonitor` from any repository's
 * `.git` (nested ones too), from the directory `core.hooksPath` names and from husky's `.husky`, and from any
 * directory shaped like a git directory (git-dir-shape.ts, which needs the file system); Spark reads
 * its project config from `.spark/`; editors run tasks from `.vscode/` and `.idea/` when a folder opens.
 * The patch engine refuses to write them and the sandbox mounts them read-only: one list for both.
 */
export interface ProtectedPaths {
  /** The workspace's real path the rules are relative to. */
  readonly workspace: string;
  /**
   * Workspace-relative directories protected as a whole ("/"-separated), for the sandbox to mount read-only
   * (whether or not they exist yet).
   */
  readonly roots: readonly string[];
  /** Why this workspace-relative path may not be changed, or undefined when it may. */
  reasonFor(relativePath: string): string | undefined;
}

export interface LoadProtectedPathsOptions {
  /** Globs relative to the workspace from `[sandbox] protected` (user or project config). */
  extra?: readonly string[];
  /**
   * The environment the user's own git runs with (HOME, XDG_CONFIG_HOME and GIT_CONFIG_* pick the global
   * config that may set `core.hooksPath`); process.env by default.
   */
  env?: NodeJS.ProcessEnv;
}

/** Any path component with this name is protected, at any depth (a nested repository's `.git` runs too). */
export const PROTECTED_NAME_ANYWHERE = ".git";
/** Directories at the workspace root that are protected as a whole. */
export const PROTECTED_ROOT_DIRS = [".git", ".husky", ".spark", ".vscode", ".idea"] as const;

const GIT_HOOKS_TIMEOUT_MS = 5_000;

export async function loadProtectedPaths(workspace: string, options: LoadProtectedPathsOptions = {}): Promise<ProtectedPaths> {
  const hooksDir = await hooksDirInside(workspace, options.env ?? process.env);
  const roots: string[] = [...PROTECTED_ROOT_DIRS];
  if (hooksDir !== undefined && !roots.includes(hooksDir)) roots.push(hooksDir);
  const extra = options.extra ?? [];
  const matchesExtra = extra.length > 0 ? picomatch([...extra], { dot: true }) : undefined;
  return {
    workspace,
    roots,
    reasonFor(relativePath) {
      const parts = normalize(relativePath).split(sep).join("/").split("/").filter((part) => part !== "" && part !== ".");
      if (parts.some((part) => sameName(part, PROTECTED_NAME_ANYWHERE))) {
        return "it is inside a .git directory (git runs hooks and core.fsmonitor from there on your next git command)";
      }
      const root = roots.find((dir) => isUnder(parts, dir));
      if (root === hooksDir && root !== undefined) return `it is in ${root}, the directory core.hooksPath names (git runs hooks from it)`;
      if (root !== undefined) return `it is in ${root}/, which tools on your machine run or trust`;
      if (matchesExtra !== undefined && ancestors(parts).some((path) => matchesExtra(path))) {
        return "it matches [sandbox] protected in your config";
      }
      return undefined;
    },
  };
}

/**
 * Names compared as a case-insensitive file system, or Windows, would resolve them (`.GIT`, `.git.`,
 * `.git ` all reach the repository there), so a variant spelling never gets past the rule.
 */
export function sameName(part: string, name: string): boolean {
  return part.toLowerCase().replace(/[. ]+$/, "") === name;
}

function isUnder(parts: readonly string[], dir: string): boolean {
  const dirParts = dir.split("/");
  return dirParts.length <= parts.length && dirParts.every((part, index) => sameName(parts[index] ?? "", part.toLowerCase()));
}

/** "a/b/c" → ["a", "a/b", "a/b/c"]: a glob that names a directory protects what is inside it. */
function ancestors(parts: readonly string[]): string[] {
  return parts.map((_, index) => parts.slice(0, index + 1).join("/"));
}

/**
 * The directory git runs this workspace's hooks from, when it lies inside the workspace and outside `.git`
 * (which is protected anyway). Git itself answers, the way it will for the user's `git commit`: with their
 * global and system config (`core.hooksPath` may be set only there), `~/` expanded, and a relative value
 * taken from the repository's top level, which is not the workspace when Spark runs in a subfolder.
 */
async function hooksDirInside(workspace: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const hooks = await gitHooksDir(workspace, env);
  if (hooks === undefined) return undefined;
  // A workspace reached through a symlink is compared by its real path, and so is the answer.
  const real = await realpath(hooks).catch(() => hooks);
  const rel = relative(workspace, real);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return undefined;
  const dir = rel.split(sep).join("/");
  return dir.split("/").some((part) => sameName(part, PROTECTED_NAME_ANYWHERE)) ? undefined : dir;
}

/**
 * `rev-parse --git-path` only reads config files: it runs no hook and does not read the index, so no
 * fsmonitor either (switched off all the same). safeGitArgs() is not used: its `core.hooksPath` override
 * would hide the very answer asked for.
 */
function gitHooksDir(workspace: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((done) => {
    execFile(
      "git",
      ["-c", "core.fsmonitor=false", "-C", workspace, "rev-parse", "--path-format=absolute", "--git-path", "hooks"],
      { timeout: GIT_HOOKS_TIMEOUT_MS, env: safeGitEnv(env) },
      // No git, not a repository, or too slow: nothing to protect beyond the built-in list.
      (error, stdout) => done(error || stdout.trim() === "" ? undefined : stdout.replace(/\n$/, "")),
    );
  });
}
