import { mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The process limit that holds for root too. RLIMIT_NPROC is not enforced for uid 0 (the kernel lets
 * INIT_USER past it), and bwrap run by root maps any sandbox uid back to kuid 0 (measured: a
 * `--unshare-user --uid 1000` sandbox under root still forked 100 processes past `--nproc=20`). A
 * pids cgroup (v1 `pids` controller, or v2 with `pids` delegated) counts every task in it, whoever
 * owns it. Where no such cgroup can be made (an unprivileged user without delegation) the sandbox
 * falls back to RLIMIT_NPROC, which does hold for a non-root user.
 */
export interface PidsCgroupParent {
  /** A fresh child cgroup allowing at most `max` tasks, or undefined when it cannot be made. */
  create(max: number): Promise<PidsCgroup | undefined>;
}

export interface PidsCgroup {
  readonly dir: string;
  /** argv that joins this cgroup before exec'ing `argv`, so every process it starts is counted. */
  wrap(argv: readonly string[]): [string, ...string[]];
  /** Kills whatever is left in it and removes it. */
  remove(): Promise<void>;
}

const REMOVE_TRIES = 50;
const REMOVE_WAIT_MS = 20;
let sequence = 0;

/** Finds where this process may make pids cgroups, once per sandbox; undefined where it may not. */
export async function findPidsCgroupParent(): Promise<PidsCgroupParent | undefined> {
  for (const dir of await candidateDirs()) {
    const parent = new Parent(dir);
    const probe = await parent.create(1);
    if (probe) {
      await probe.remove();
      return parent;
    }
  }
  return undefined;
}

class Parent implements PidsCgroupParent {
  constructor(private readonly dir: string) {}

  async create(max: number): Promise<PidsCgroup | undefined> {
    const dir = join(this.dir, `spark-sandbox-${process.pid}-${++sequence}`);
    try {
      await mkdir(dir);
    } catch {
      return undefined;
    }
    try {
      // Absent on a v2 cgroup whose parent does not delegate the pids controller.
      await writeFile(join(dir, "pids.max"), String(max));
      return new Cgroup(dir);
    } catch {
      await rmdir(dir).catch(() => undefined);
      return undefined;
    }
  }
}

class Cgroup implements PidsCgroup {
  constructor(readonly dir: string) {}

  wrap(argv: readonly string[]): [string, ...string[]] {
    // $0 is the cgroup; `echo $$` moves this shell, and exec keeps the pid, so bwrap starts inside.
    return ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', this.dir, ...argv];
  }

  async remove(): Promise<void> {
    for (let attempt = 0; attempt < REMOVE_TRIES; attempt++) {
      for (const pid of await this.pids()) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Gone already.
        }
      }
      try {
        await rmdir(this.dir);
        return;
      } catch {
        // EBUSY while the killed tasks are still being reaped.
        await sleep(REMOVE_WAIT_MS);
      }
    }
  }

  private async pids(): Promise<number[]> {
    const text = await readFile(join(this.dir, "cgroup.procs"), "utf8").catch(() => "");
    return text.split("\n").filter((line) => line !== "").map(Number);
  }
}

/** This process's own cgroup under each mounted pids hierarchy: v1 `pids` first, then v2. */
async function candidateDirs(): Promise<string[]> {
  const [mountinfo, membership] = await Promise.all([
    readFile("/proc/self/mountinfo", "utf8").catch(() => ""),
    readFile("/proc/self/cgroup", "utf8").catch(() => ""),
  ]);
  const own = new Map<string, string>();
  for (const line of membership.split("\n")) {
    const [, controllers, path] = line.split(":");
    if (controllers !== undefined && path !== undefined) own.set(controllers, path);
  }
  const v1: string[] = [];
  const v2: string[] = [];
  for (const line of mountinfo.split("\n")) {
    const [before, after] = line.split(" - ");
    const fields = before?.split(" ") ?? [];
    const [fstype, , options] = after?.split(" ") ?? [];
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || mountPoint === undefined) continue;
    if (fstype === "cgroup" && options?.split(",").includes("pids")) {
      const path = own.get("pids");
      if (path !== undefined) v1.push(join(mountPoint, relative(root, path)));
    } else if (fstype === "cgroup2") {
      const path = own.get("");
      if (path !== undefined) v2.push(join(mountPoint, relative(root, path)));
    }
  }
  return [...v1, ...v2];
}
