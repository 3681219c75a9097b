import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fetchSuite } from "./fetch-suite.js";

/** A local git repository (file://) whose one file says `text`; commit() changes it upstream. */
function upstream(text: string): { url: string; commit: (next: string) => void } {
  const dir = mkdtempSync(join(tmpdir(), "spark-suite-src-"));
  const git = (...args: string[]) => expect(spawnSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: dir }).status).toBe(0);
  const commit = (next: string) => {
    mkdirSync(join(dir, "one"), { recursive: true });
    writeFileSync(join(dir, "one", "task.json"), next);
    git("add", "-A");
    git("commit", "-qm", next);
  };
  git("init", "-q");
  commit(text);
  return { url: `file://${dir}`, commit };
}

const versions = (cacheDir: string): string[] => {
  const [root] = readdirSync(cacheDir).filter((name) => !name.startsWith("."));
  return readdirSync(join(cacheDir, root as string)).filter((name) => name.startsWith("v"));
};

describe("the suite cache under two runs", () => {
  it("keeps the clone a running eval reads when another run refreshes it, and removes it once that run ends", async () => {
    const source = upstream("first");
    const cacheDir = join(mkdtempSync(join(tmpdir(), "spark-suite-cache-")), "eval-suites");
    const running = await fetchSuite(source.url, cacheDir);
    expect(readFileSync(join(running.dir, "one", "task.json"), "utf8")).toBe("first");

    source.commit("second");
    const refreshing = await fetchSuite(source.url, cacheDir, { refresh: true });
    expect(refreshing.dir).not.toBe(running.dir);
    expect(readFileSync(join(refreshing.dir, "one", "task.json"), "utf8")).toBe("second");
    // The first run still reads what it started with.
    expect(readFileSync(join(running.dir, "one", "task.json"), "utf8")).toBe("first");
    expect(versions(cacheDir)).toHaveLength(2);
    // A new run takes the refreshed clone.
    const next = await fetchSuite(source.url, cacheDir);
    expect(next.dir).toBe(refreshing.dir);

    await running.release();
    expect(existsSync(running.dir)).toBe(false);
    await refreshing.release();
    await next.release();
    // The current clone stays for the next run; nothing else is left.
    expect(versions(cacheDir)).toEqual([refreshing.dir.split("/").pop()]);
    expect(readdirSync(cacheDir).filter((name) => name.startsWith(".clone-"))).toEqual([]);
  });

  it("removes an old clone whose run died without releasing it (its mark names a process that is gone)", async () => {
    const source = upstream("first");
    const cacheDir = join(mkdtempSync(join(tmpdir(), "spark-suite-cache-")), "eval-suites");
    const crashed = await fetchSuite(source.url, cacheDir);
    const version = crashed.dir.split("/").pop() as string;
    const users = join(crashed.dir, "..", "users");
    // The run's mark as a killed process leaves it, with a pid no process has (above Linux's pid_max).
    for (const mark of readdirSync(users)) spawnSync("mv", [join(users, mark), join(users, `${version}.4194305.dead`)]);
    source.commit("second");
    const refreshed = await fetchSuite(source.url, cacheDir, { refresh: true });
    expect(existsSync(crashed.dir)).toBe(false);
    expect(readdirSync(users).every((mark) => !mark.includes(".4194305."))).toBe(true);
    await refreshed.release();
  });
});
