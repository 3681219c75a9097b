import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lockPathFor, withWorkspaceLock } from "./workspace-lock.js";

let locksDir: string;
beforeEach(async () => {
  locksDir = join(await mkdtemp(join(tmpdir(), "spark-locks-")), "locks");
});
afterEach(async () => {
  await rm(join(locksDir, ".."), { recursive: true, force: true });
});

/** The pid of a process that has exited, so no process holds it now (barring reuse in this instant). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("withWorkspaceLock", () => {
  it("runs two writers of one workspace one after the other, and removes its lock file", async () => {
    const events: string[] = [];
    const writer = (name: string) =>
      withWorkspaceLock("/ws", { locksDir }, async () => {
        events.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, 30));
        events.push(`${name} end`);
      });
    await Promise.all([writer("a"), writer("b")]);
    // Either may win the lock; what matters is that the second starts only after the first ended.
    const first = events[0]?.split(" ")[0];
    const second = first === "a" ? "b" : "a";
    expect(events).toEqual([`${first} start`, `${first} end`, `${second} start`, `${second} end`]);
    expect(await readdir(locksDir)).toEqual([]);
  });

  it("takes over the lock of a process that died (kill -9) without waiting", async () => {
    await mkdir(locksDir, { recursive: true });
    await writeFile(lockPathFor("/ws", locksDir), `${deadPid()}\n`);
    const started = Date.now();
    expect(await withWorkspaceLock("/ws", { locksDir, waitMs: 5_000 }, async () => "ran")).toBe("ran");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await readdir(locksDir)).toEqual([]);
  });

  it("gives up after the wait with an error naming the holder and the lock file", async () => {
    await mkdir(locksDir, { recursive: true });
    const lock = lockPathFor("/ws", locksDir);
    await writeFile(lock, `${process.pid}\n`);
    const error = await withWorkspaceLock("/ws", { locksDir, waitMs: 100 }, async () => "ran").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ patchCode: "busy" });
    expect(String(error)).toContain(`pid ${process.pid}`);
    expect(String(error)).toContain(lock);
  });

  it("keeps the lock out of the workspace: one file per workspace, keyed by its path", () => {
    expect(lockPathFor("/a", locksDir)).not.toBe(lockPathFor("/b", locksDir));
    expect(lockPathFor("/a", locksDir).startsWith(locksDir)).toBe(true);
  });
});
