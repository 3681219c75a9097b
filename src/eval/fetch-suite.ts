import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { errorMessage, UsageError } from "../core/index.js";
import { safeGitArgs, safeGitEnv } from "../workspace/index.js";
import { SuiteCache, type HeldSuite } from "./suite-cache.js";

const run = promisify(execFile);

/** What `--suite` may name as a repository: https (or http), or a file:// URL of a local repository. */
const gitUrl = /^(https?|file):\/\/\S+$/;

export const isSuiteUrl = (suite: string) => gitUrl.test(suite);

/** The suite as reports show it: a URL without the user name and token it may carry (https://user:token@host/…). */
export function suiteLabel(suite: string): string {
  if (!isSuiteUrl(suite)) return suite;
  try {
    const url = new URL(suite);
    url.username = "";
    url.password = "";
    return url.href;
  } catch {
    return suite.replace(/\/\/[^/@]*@/, "//");
  }
}

/** Clones `url` into a new folder of `cacheDir` with the safe-git overrides; returns that folder. */
async function cloneInto(url: string, scheme: string, cacheDir: string, partial: string, signal: AbortSignal | undefined): Promise<string> {
  const args = await safeGitArgs(cacheDir, [
    "-c", `protocol.${scheme}.allow=always`,
    "clone", "--quiet", "--depth", "1", "--no-recurse-submodules", "--template=", "--no-tags", "--single-branch", "--", url, join(partial, "suite"),
  ]);
  await run("git", args, { cwd: cacheDir, env: { ...safeGitEnv(), GIT_ALLOW_PROTOCOL: scheme, GIT_CONFIG_NOSYSTEM: "1" }, maxBuffer: 16 * 1024 * 1024, ...(signal ? { signal } : {}) });
  return join(partial, "suite");
}

/**
 * The suite at `url`, cloned once into `cacheDir/<hash of the url>` (a SuiteCache) and reused afterwards;
 * `refresh` clones it again (the same way) and makes the new clone current only once it is complete, so a
 * failed refresh keeps the old one, and a run still reading the old one keeps it until it releases it. The
 * clone is a suite of unknown origin, so it runs nothing: no hooks (none are installed: an empty template,
 * and core.hooksPath=/dev/null), no submodules, no filters, no transport but the URL's own scheme (never
 * ext:: or ssh), shallow, no credential prompt. Spark runs no git command in the clone afterwards, so its
 * config is never read. A clone that did not finish is removed, never reused. The caller releases the
 * suite when its run ends.
 */
export async function fetchSuite(url: string, cacheDir: string, options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<HeldSuite> {
  const match = gitUrl.exec(url);
  if (!match) throw new UsageError(`--suite ${url}: Spark clones https://, http:// or file:// git URLs only. For another transport, clone it yourself and pass the folder.`);
  const cache = new SuiteCache(join(cacheDir, createHash("sha256").update(url).digest("hex").slice(0, 16)), join(cacheDir, ".locks"));
  const held = options.refresh ? undefined : await cache.holdCurrent();
  if (held !== undefined) return held;
  await mkdir(cacheDir, { recursive: true });
  const partial = await mkdtemp(join(cacheDir, ".clone-"));
  try {
    let clone: string;
    try {
      clone = await cloneInto(url, match[1] as string, cacheDir, partial, options.signal);
    } catch (error) {
      // git's own message may repeat the URL: neither says the user name or token it carries.
      const reason = errorMessage(error).split("\n").slice(-3).join(" ").replaceAll(url, suiteLabel(url));
      throw new UsageError(`Could not clone the eval suite ${suiteLabel(url)}: ${reason}. Check the URL, or clone it yourself and pass the folder to --suite.`);
    }
    return await cache.addVersion(clone);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}
