import { parsePatch, type Hunk } from "../../edits/index.js";
import { paint, sanitize } from "./ansi-style.js";

/**
 * Patches and diffs as coloured lines: an edit the agent applied (from its apply_patch arguments, in
 * either grammar) and the unified diff `/diff` shows. Removed lines red, added green, context dim.
 */

const removed = (line: string) => paint.red(`-${line}`);
const added = (line: string) => paint.green(`+${line}`);
const context = (line: string) => paint.dim(` ${line}`);

/** A hunk's lines in order; codex hunks mark their context lines, SEARCH/REPLACE ones share a prefix/suffix. */
function hunkLines(hunk: Hunk): string[] {
  const lines = hunk.contextHeaders.map((header) => paint.cyan(`@@ ${header}`));
  if (hunk.contextHeaders.length === 0) lines.push(paint.cyan("@@"));
  const pairs: Array<[number, number]> = hunk.context ?? sharedEnds(hunk.oldLines, hunk.newLines);
  let oldAt = 0;
  let newAt = 0;
  for (const [oldIndex, newIndex] of [...pairs, [hunk.oldLines.length, hunk.newLines.length] as [number, number]]) {
    for (; oldAt < oldIndex; oldAt++) lines.push(removed(hunk.oldLines[oldAt] ?? ""));
    for (; newAt < newIndex; newAt++) lines.push(added(hunk.newLines[newAt] ?? ""));
    if (oldIndex < hunk.oldLines.length) lines.push(context(hunk.oldLines[oldIndex] ?? ""));
    oldAt = oldIndex + 1;
    newAt = newIndex + 1;
  }
  return lines;
}

/** Equal leading and trailing lines of the two sides, as context pairs. */
function sharedEnds(before: readonly string[], after: readonly string[]): Array<[number, number]> {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < head; i++) pairs.push([i, i]);
  for (let i = tail; i > 0; i--) pairs.push([before.length - i, after.length - i]);
  return pairs;
}

function capped(lines: string[], max: number): string[] {
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max), paint.dim(`  … ${lines.length - max} more lines (/diff shows everything)`)];
}

/** An applied patch as a coloured diff; undefined when the text is not a patch Spark can parse. */
export function patchDiffLines(patch: string, maxLines = 120): string[] | undefined {
  let parsed;
  try {
    parsed = parsePatch(patch);
  } catch {
    return undefined;
  }
  const lines: string[] = [];
  for (const operation of parsed.operations) {
    const path = sanitize(operation.path);
    if (operation.kind === "add") {
      lines.push(paint.bold(`  new file ${path}`));
      lines.push(...operation.contents.replace(/\n$/, "").split("\n").map((line) => added(sanitize(line))));
    } else if (operation.kind === "delete") {
      lines.push(paint.bold(paint.red(`  deleted ${path}`)));
    } else {
      lines.push(paint.bold(`  ${path}${operation.moveTo ? ` → ${sanitize(operation.moveTo)}` : ""}`));
      for (const hunk of operation.hunks) lines.push(...hunkLines({ ...hunk, oldLines: hunk.oldLines.map(sanitize), newLines: hunk.newLines.map(sanitize) }));
    }
  }
  return capped(lines, maxLines);
}

/** A unified diff (as `spark diff` prints it), coloured line by line. */
export function unifiedDiffLines(text: string): string[] {
  return sanitize(text)
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => {
      if (line.startsWith("diff ") || line.startsWith("+++") || line.startsWith("---")) return paint.bold(line);
      if (line.startsWith("@@")) return paint.cyan(line);
      if (line.startsWith("+")) return paint.green(line);
      if (line.startsWith("-")) return paint.red(line);
      return line;
    });
}
