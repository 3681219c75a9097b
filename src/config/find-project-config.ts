import { existsSync, lstatSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isInside } from "../core/index.js";

/** The project's config file, or none; a warning when one was found but not trusted enough to read. */
export interface FoundProjectConfig {
  file?: string;
  warning?: string;
}

/** Group write is left alone: with a private group per user (umask 002) it is every file's normal mode. */
const otherWrite = 0o002;


/** Why `file` (and its `.spark` directory) could have been written by someone else; undefined when it could not. */
function untrusted(file: string): string | undefined {
  const uid = process.getuid?.();
  for (const path of [dirname(file), file]) {
    const stats = statSync(path);
    // root owns system directories; anyone else's file may say anything.
    if (uid !== undefined && stats.uid !== uid && stats.uid !== 0) return `${path} belongs to another user (uid ${stats.uid})`;
    if ((stats.mode & otherWrite) !== 0) return `${path} is writable by every user (mode ${(stats.mode & 0o777).toString(8)})`;
  }
  return undefined;
}

/**
 * The nearest `.spark/config.toml` from cwd upwards, that is not the user's own config. The search stops at
 * the repository's root (the first directory with `.git`) and below the home directory, so a file in a
 * parent such as /tmp or /home is never picked up for every workspace under it; and a file another user
 * owns, or may write, is not read at all.
 */
export function findProjectConfig(cwd: string, userFile: string, home: string): FoundProjectConfig {
  const homeDir = resolve(home);
  const underHome = isInside(homeDir, resolve(cwd));
  let dir = resolve(cwd);
  for (;;) {
    if (underHome && dir === homeDir) return {};
    const candidate = join(dir, ".spark", "config.toml");
    if (candidate !== userFile && existsSync(candidate)) {
      const why = untrusted(candidate);
      if (why === undefined) return { file: candidate };
      return { warning: `ignored ${candidate}: ${why}, so it may not be this project's own config. If it is, fix its owner and mode (chmod o-w).` };
    }
    const parent = dirname(dir);
    if (parent === dir || lstatExists(join(dir, ".git"))) return {};
    dir = parent;
  }
}

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
