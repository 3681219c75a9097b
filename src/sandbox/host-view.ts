import { realpath, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, normalize, relative, sep } from "node:path";
import { sparkHome } from "../config/index.js";
import { SANDBOX_HOME } from "./bubblewrap-args.js";
import { isInside } from "../core/index.js";
import { CommandRefusedError } from "./sandbox-errors.js";
import { findCredentialFiles } from "./credential-files.js";
import { scanPrivateEntries, type PrivateEntries, type ScanBounds } from "./private-entries.js";

/**
 * What a sandboxed command sees of the host beyond the read-only system: every home hidden (the user's, /root,
 * /home, Spark's own SPARK_HOME with its config and database), secrets under /etc and /var hidden, the
 * toolchains on PATH that live in a home readable again (without their credential files), and what `[sandbox] home_read` lists bound
 * read-only into the command's private, empty home.
 */
export interface HostView {
  /** Homes, each behind an empty tmpfs. A workspace may not contain one (see refuseWorkspaceWithHome). */
  homes: string[];
  /** Directories under a home that PATH (or Node itself) runs from, bound read-only over the hidden home. */
  toolchains: string[];
  /** Entries only their owner may read, on the system and in those toolchains, and credential-named files there. */
  secrets: PrivateEntries;
  /** `[sandbox] home_read` entries: the host path and where it appears in the private home. */
  homeBinds: Array<{ source: string; target: string }>;
}

export interface HostViewOptions {
  /** HOME, SPARK_HOME and PATH are read from it. */
  env: NodeJS.ProcessEnv;
  /** `[sandbox] home_read`: paths relative to the user's home. */
  homeRead: readonly string[];
}

/** Where secrets sit on a system, and how far to look; bounded so a huge /var costs milliseconds, not minutes. */
const SYSTEM_SCANS: ReadonlyArray<[string, ScanBounds]> = [
  ["/", { depth: 1, maxEntries: 200 }],
  ["/etc", { depth: 4, maxEntries: 5_000 }],
  ["/var", { depth: 3, maxEntries: 5_000 }],
];
const TOOLCHAIN_SCAN: ScanBounds = { depth: 3, maxEntries: 3_000 };

/**
 * Folders directly in a home that are toolchains as a whole (a pyenv shim needs the versions beside it, nvm's
 * npm its lib/): bound whole when a PATH entry lies in them. Any other PATH entry in a home is bound alone.
 */
/** Folders directly in a home that hold keys or tokens: a `.../bin` in them is bound without its prefix. */
const SECRET_HOLDERS = new Set([".ssh", ".gnupg", ".aws", ".azure", ".config", ".local", ".docker", ".kube", ".spark", ".password-store", ".mozilla"]);
const TOOLCHAIN_ROOTS = [".nvm", ".cargo", ".rustup", ".pyenv", ".local/share/pnpm", ".bun", ".deno", ".volta", ".sdkman", "go"];

export async function readHostView(options: HostViewOptions): Promise<HostView> {
  const home = await realOrUndefined(options.env["HOME"] ?? homedir());
  const spark = await realOrUndefined(sparkHome(options.env));
  const homes = unique(await existingDirs(["/root", "/home", home, spark]));
  const toolchains = await toolchainDirs(options.env, homes, spark);
  const secrets: PrivateEntries = { files: [], dirs: [] };
  const skip = new Set([...homes, "/tmp", "/var/tmp", "/run", "/var/run", "/proc", "/sys", "/dev"]);
  for (const [root, bounds] of SYSTEM_SCANS) add(secrets, await scanPrivateEntries(root, bounds, skip));
  for (const dir of toolchains) {
    add(secrets, await scanPrivateEntries(dir, TOOLCHAIN_SCAN));
    add(secrets, await findCredentialFiles(dir));
  }
  return { homes, toolchains, secrets, homeBinds: await homeReadBinds(options.homeRead, home, spark) };
}

/** bubblewrap arguments, in the order that makes each later mount cover the earlier ones. */
export function hostViewArgs(view: HostView): string[] {
  const args: string[] = [];
  for (const dir of view.homes) args.push("--tmpfs", dir);
  for (const dir of view.toolchains) args.push("--ro-bind", dir, dir);
  for (const dir of view.secrets.dirs) args.push("--tmpfs", dir);
  for (const file of view.secrets.files) args.push("--ro-bind", "/dev/null", file);
  for (const bind of view.homeBinds) args.push("--ro-bind", bind.source, bind.target);
  return args;
}

/** A workspace that holds a home would show it (keys and all) read-write: refused, saying what to do. */
export function refuseWorkspaceWithHome(view: HostView, workspace: string): void {
  const home = view.homes.find((dir) => isInside(workspace, dir));
  if (home === undefined) return;
  throw new CommandRefusedError(
    `The workspace ${workspace} contains ${home}, a home directory the sandbox hides (keys, tokens, Spark's own config). ` +
      "Run Spark in a project folder instead, or approve commands one by one (--approval suggest or auto-edit) to run them unsandboxed.",
  );
}

/**
 * PATH entries (and Node's own directory) inside a hidden home. A known toolchain root (TOOLCHAIN_ROOTS) is
 * bound whole; any other entry only itself, and for `.../bin` also the prefix above it (npm finds its
 * `../lib/node_modules` there) unless that prefix is a folder directly in the home (`~/code/bin` must not
 * show the other projects in `~/code`). Nothing in Spark's home is ever bound.
 */
async function toolchainDirs(env: NodeJS.ProcessEnv, homes: readonly string[], spark: string | undefined): Promise<string[]> {
  const entries = [...(env["PATH"] ?? "").split(delimiter), dirname(process.execPath)].filter((entry) => isAbsolute(entry));
  const dirs: string[] = [];
  for (const entry of await existingDirs(entries)) {
    const home = homes.filter((dir) => isInside(dir, entry)).sort((a, b) => b.length - a.length)[0];
    if (home === undefined || (spark !== undefined && isInside(spark, entry))) continue;
    const parts = relative(home, entry).split(sep).filter((part) => part !== "");
    // Under /home the first part is the user's own home, not a toolchain.
    const userHome = home === "/home" ? join(home, parts[0] ?? "") : home;
    const below = home === "/home" ? parts.slice(1) : parts;
    if (below.length === 0) continue;
    const root = TOOLCHAIN_ROOTS.find((name) => below.slice(0, name.split("/").length).join("/") === name);
    if (root !== undefined) {
      dirs.push(join(userHome, root));
      continue;
    }
    dirs.push(entry);
    if (below.length > 2 && below[below.length - 1] === "bin" && !SECRET_HOLDERS.has(below[0] ?? "")) dirs.push(dirname(entry));
  }
  return unique(dirs);
}

async function homeReadBinds(homeRead: readonly string[], home: string | undefined, spark: string | undefined): Promise<HostView["homeBinds"]> {
  const binds: HostView["homeBinds"] = [];
  for (const entry of homeRead) {
    const rel = normalize(entry);
    if (isAbsolute(rel) || rel === ".." || rel.startsWith(`..${sep}`) || rel === ".") {
      throw new CommandRefusedError(`[sandbox] home_read: "${entry}" must be a path inside your home, relative to it (like ".gitconfig").`);
    }
    if (home === undefined) continue;
    const source = await realOrUndefined(join(home, rel));
    // A file the user does not have is simply not there; the command sees an empty home as usual.
    if (source === undefined) continue;
    if (spark !== undefined && isInside(spark, source)) {
      throw new CommandRefusedError(`[sandbox] home_read: "${entry}" is in Spark's own home (${spark}, its config and database); remove it from the list.`);
    }
    binds.push({ source, target: join(SANDBOX_HOME, rel) });
  }
  return binds;
}

async function existingDirs(paths: ReadonlyArray<string | undefined>): Promise<string[]> {
  const dirs: string[] = [];
  for (const path of paths) {
    if (path === undefined) continue;
    const real = await realOrUndefined(path);
    // Never "/": hiding it would hide the whole system (HOME=/ for some service users).
    if (real !== undefined && real !== "/" && (await stat(real)).isDirectory()) dirs.push(real);
  }
  return dirs;
}

async function realOrUndefined(path: string): Promise<string | undefined> {
  return realpath(path).catch(() => undefined);
}

function add(into: PrivateEntries, more: PrivateEntries): void {
  into.files.push(...more.files.filter((file) => !into.files.includes(file)));
  into.dirs.push(...more.dirs.filter((dir) => !into.dirs.includes(dir)));
}

function unique(paths: readonly string[]): string[] {
  return [...new Set(paths)];
}
