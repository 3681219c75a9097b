import { lstat, realpath } from "node:fs/promises";

/**
 * The facts about the host file system the bubblewrap policy depends on, read once when the
 * sandbox is created.
 */
export interface HostLayout {
  /**
   * Writable host directories to hide behind a private tmpfs. /tmp, /var/tmp and /run are world-
   * or root-writable and hold live unix sockets (a database, D-Bus, Docker): a socket is reachable
   * through a read-only mount, and a D-Bus or Docker socket is a way out of any sandbox.
   */
  privateDirs: string[];
  /** Files under /run that name resolution needs (a resolv.conf symlinked into /run/systemd). */
  networkFilesUnderRun: string[];
}

const HIDDEN_DIRS = ["/tmp", "/var/tmp", "/run", "/var/run"];

export async function readHostLayout(): Promise<HostLayout> {
  const privateDirs: string[] = [];
  for (const dir of HIDDEN_DIRS) {
    // A symlink (usually /var/run -> /run) is covered by its target; tmpfs on it would fail.
    if (dir === "/tmp" || (await isRealDirectory(dir))) privateDirs.push(dir);
  }
  return { privateDirs, networkFilesUnderRun: await resolvConfUnderRun() };
}

async function isRealDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function resolvConfUnderRun(): Promise<string[]> {
  try {
    const target = await realpath("/etc/resolv.conf");
    return target.startsWith("/run/") ? [target] : [];
  } catch {
    return [];
  }
}
