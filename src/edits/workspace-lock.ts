import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { link, lstat, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { PatchError, errnoCode } from "./patch-error.js";

/**
 * One writer at a time per workspace (`spark apply`, the agent, `spark mcp`, `spark undo`), so two applies
 * on one file cannot both read the old text and the second silently drop the first's edit. The lock file
 * lives in Spark's home (`locks/<hash of the workspace's real path>.lock`), never in the user's repository.
 * It holds the owner's pid: a lock whose process is gone (killed with -9) is taken over.
 */
export interface WorkspaceLockOptions {
  /** The directory lock files live in (Spark's home + "/locks"). */
  locksDir: string;
  /** How long to wait for another writer before giving up (default 30 s). */
  waitMs?: number | undefined;
}

const DEFAULT_WAIT_MS = 30_000;
const POLL_MS = 25;

export async function withWorkspaceLock<T>(workspaceRoot: string, options: WorkspaceLockOptions, work: () => Promise<T>): Promise<T> {
  const release = await acquire(workspaceRoot, options);
  try {
    return await work();
  } finally {
    await release();
  }
}

export function lockPathFor(workspaceRoot: string, locksDir: string): string {
  return join(locksDir, `${createHash("sha256").update(workspaceRoot).digest("hex").slice(0, 32)}.lock`);
}

async function acquire(workspaceRoot: string, options: WorkspaceLockOptions): Promise<() => Promise<void>> {
  await mkdir(options.locksDir, { recursive: true, mode: 0o700 });
  const lockPath = lockPathFor(workspaceRoot, options.locksDir);
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
  let holder: number | undefined;
  // Bounded: every pass either takes the lock or sleeps, until the deadline.
  for (;;) {
    const ino = await tryCreate(lockPath);
    if (ino !== undefined) return () => releaseIfOurs(lockPath, ino);
    holder = await takeOverIfStale(lockPath);
    if (Date.now() >= deadline) break;
    if (holder !== undefined) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new PatchError(
    "busy",
    `Another Spark process${holder ? ` (pid ${holder})` : ""} is writing files in ${workspaceRoot}; nothing was written. Wait for it to finish and try again, or, if no Spark is running, delete ${lockPath}.`,
  );
}

/** Creates the lock with O_EXCL; returns its inode, or undefined when someone holds it. */
async function tryCreate(lockPath: string): Promise<number | undefined> {
  try {
    const handle = await open(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(`${process.pid}\n`);
      return (await handle.stat()).ino;
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (errnoCode(error) === "EEXIST") return undefined;
    throw error;
  }
}

/**
 * Returns the pid of a live holder, or undefined after removing a dead one's lock (or when it vanished).
 * The stale file is first renamed aside and checked to be the very one inspected: if a live process
 * took the lock in between, its file is linked back rather than deleted.
 */
async function takeOverIfStale(lockPath: string): Promise<number | undefined> {
  const seen = await lstat(lockPath).catch(() => undefined);
  if (seen === undefined) return undefined;
  const pid = Number.parseInt(await readFile(lockPath, "utf8").catch(() => ""), 10);
  // A lock being written has no pid yet: treat it as held.
  if (!Number.isSafeInteger(pid) || pid <= 0 || isAlive(pid)) return Number.isSafeInteger(pid) && pid > 0 ? pid : 0;
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return undefined;
  }
  const moved = await lstat(aside).catch(() => undefined);
  if (moved !== undefined && moved.ino !== seen.ino) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return undefined;
}

/** Whether process `pid` runs (on this machine): a lock or a mark it left counts only while it does. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
}

async function releaseIfOurs(lockPath: string, ino: number): Promise<void> {
  const now = await lstat(lockPath).catch(() => undefined);
  if (now?.ino === ino) await unlink(lockPath).catch(() => undefined);
}
