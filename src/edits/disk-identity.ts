import type { Stats } from "node:fs";
import type { PatchFs } from "./patch-fs.js";
import { PatchError, errnoCode, toPatchIoError } from "./patch-error.js";

/**
 * What a path held when the engine read it, so a write can refuse to replace a file that changed in the
 * meantime (an editor saving, another `spark apply`): the same inode, size, and change and modify times.
 * An atomic write always makes a new inode, so another Spark writer is always noticed; an in-place writer
 * changes the size or the times.
 */
export type DiskExpectation = { kind: "absent" } | { kind: "file"; dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number };

export const ABSENT: DiskExpectation = { kind: "absent" };

export function expectationOf(stats: Stats): DiskExpectation {
  return { kind: "file", dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
}

/**
 * Refuses, with a message that says what to do, when `path` (never followed if it is a link) is no longer
 * what was read. Called right before the rename or unlink that would replace it.
 */
export async function assertUnchanged(fs: PatchFs, path: string, expected: DiskExpectation, displayPath: string): Promise<void> {
  let stats: Stats | undefined;
  try {
    stats = await fs.lstat(path);
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") throw toPatchIoError(error, "inspect", displayPath);
  }
  const now = stats === undefined ? ABSENT : stats.isSymbolicLink() || !stats.isFile() ? undefined : expectationOf(stats);
  if (now !== undefined && sameExpectation(now, expected)) return;
  const what = now === undefined ? "was replaced by something that is not a regular file" : stats === undefined ? "was deleted" : expected.kind === "absent" ? "was created" : "was changed";
  throw new PatchError(
    "changed_on_disk",
    `${displayPath} ${what} by something else while the patch was being applied, so it was not written (that change is kept). Read the file again and resend the patch for it.`,
  );
}

function sameExpectation(a: DiskExpectation, b: DiskExpectation): boolean {
  if (a.kind === "absent" || b.kind === "absent") return a.kind === b.kind;
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}
