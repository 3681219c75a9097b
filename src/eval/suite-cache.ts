import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isProcessAlive, withWorkspaceLock } from "../edits/index.js";
import { isDirectory } from "./eval-task.js";

/**
 * The clones of one suite URL in Spark's cache, so that `--refresh` never changes a clone another running
 * eval reads: each clone is a version folder of its own (`v…`), `current` names the one a new run takes,
 * and a run holds its version by a file in `users/` (its pid) until it ends. A version that is not current
 * is removed once no live process holds it. Every change of `current`, `users/` and the versions happens
 * under one lock per suite (a lock file in the cache's `.locks`), held for file operations only, never
 * during a clone.
 */
export interface HeldSuite {
  /** The version's folder: it stays as it is until release(). */
  dir: string;
  release(): Promise<void>;
}

export class SuiteCache {
  private readonly users: string;

  constructor(
    private readonly root: string,
    private readonly locksDir: string,
  ) {
    this.users = join(root, "users");
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    return withWorkspaceLock(this.root, { locksDir: this.locksDir }, work);
  }

  /** The current version, held for this run; undefined when there is none yet. */
  holdCurrent(): Promise<HeldSuite | undefined> {
    return this.locked(async () => {
      await this.dropLegacyClone();
      const version = await this.current();
      return version !== undefined && (await isDirectory(join(this.root, version))) ? this.hold(version) : undefined;
    });
  }

  /** Moves the complete clone at `clone` in as the current version, held for this run; older ones go once unused. */
  addVersion(clone: string): Promise<HeldSuite> {
    return this.locked(async () => {
      await this.dropLegacyClone();
      const version = `v${Date.now()}-${randomBytes(4).toString("hex")}`;
      await mkdir(this.root, { recursive: true });
      await rename(clone, join(this.root, version));
      // A whole new `current` replaces the old in one rename: a crash leaves one or the other.
      const next = join(this.root, `.current-${randomBytes(4).toString("hex")}`);
      await writeFile(next, version);
      await rename(next, join(this.root, "current"));
      const held = await this.hold(version);
      await this.prune();
      return held;
    });
  }

  private async current(): Promise<string | undefined> {
    const name = (await readFile(join(this.root, "current"), "utf8").catch(() => "")).trim();
    return /^v[\w-]+$/.test(name) ? name : undefined;
  }

  /** Spark before versioned clones kept the clone itself at the root: it is cloned again, as a version. */
  private async dropLegacyClone(): Promise<void> {
    if (!(await isDirectory(join(this.root, ".git")))) return;
    const aside = `${this.root}.legacy-${randomBytes(4).toString("hex")}`;
    await rename(this.root, aside);
    await rm(aside, { recursive: true, force: true });
  }

  private async hold(version: string): Promise<HeldSuite> {
    await mkdir(this.users, { recursive: true });
    const marker = join(this.users, `${version}.${process.pid}.${randomBytes(4).toString("hex")}`);
    await writeFile(marker, "");
    let released = false;
    return {
      dir: join(this.root, version),
      release: async () => {
        if (released) return;
        released = true;
        await rm(marker, { force: true });
        // Another run may hold the lock a while; a version left behind goes at the next refresh or release.
        await this.locked(() => this.prune()).catch(() => undefined);
      },
    };
  }

  /** Removes every version that is not current and that no live process holds (and the marks of dead ones). */
  private async prune(): Promise<void> {
    const current = await this.current();
    const held = new Set<string>();
    for (const mark of await readdir(this.users).catch(() => [] as string[])) {
      const [version, pid] = mark.split(".");
      if (version !== undefined && Number(pid) > 0 && isProcessAlive(Number(pid))) held.add(version);
      else await rm(join(this.users, mark), { force: true });
    }
    for (const entry of await readdir(this.root)) {
      if (/^v[\w-]+$/.test(entry) && entry !== current && !held.has(entry)) await rm(join(this.root, entry), { recursive: true, force: true });
    }
  }
}
