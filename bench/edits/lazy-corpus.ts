import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { prng } from "../../test/support/gguf-file.js";

/**
 * The lazy-edit corpus: real source files of this repository (src/edits/*.ts, not tests), each edited at
 * one to three random places (a line replaced, lines inserted, a line deleted, two lines rewritten), and
 * the snippet a model would write for it: each changed place with 1-3 unchanged lines around it,
 * `// ... existing code ...` between them. Deterministic for a seed (and the repository's state).
 */

export interface LazyCase {
  file: string;
  old: string[];
  expected: string[];
  snippet: string;
  /** Expected-file lines the snippet shows (context and changes); all others must stay unchanged. */
  shown: Array<[start: number, end: number]>;
}

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MARKER = "// ... existing code ...";

/** A seeded PRNG (the test models' mulberry32), so a seed always gives the same corpus. */
export const seededRandom = prng;

export function sourceFiles(): Array<{ file: string; lines: string[] }> {
  const dir = join(REPO, "src", "edits");
  return readdirSync(dir)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
    .sort()
    .map((name) => ({ file: `src/edits/${name}`, lines: readFileSync(join(dir, name), "utf8").replace(/\n$/, "").split("\n") }))
    .filter((source) => source.lines.length >= 30);
}

export function generateLazyCorpus(count: number, seed: number): LazyCase[] {
  const random = seededRandom(seed);
  const pick = (n: number): number => Math.floor(random() * n);
  const files = sourceFiles();
  return Array.from({ length: count }, () => {
    const source = files[pick(files.length)] ?? { file: "", lines: [] };
    return makeCase(source.file, source.lines, pick);
  });
}

function makeCase(file: string, old: string[], pick: (n: number) => number): LazyCase {
  const sites = pickSites(old.length, 1 + pick(3), pick);
  const expected: string[] = [];
  const windows: Array<[number, number]> = [];
  let cursor = 0;
  for (const site of sites) {
    expected.push(...old.slice(cursor, site));
    const start = expected.length;
    const kind = pick(4);
    const tag = `/* lazy edit ${site} */`;
    if (kind === 0) expected.push(`${old[site] ?? ""} ${tag}`);
    if (kind === 1) expected.push(old[site] ?? "", `  const added${site} = ${site}; ${tag}`, `  void added${site};`);
    if (kind === 3) expected.push(`  // rewritten ${tag}`, `${old[site + 1] ?? ""} ${tag}`);
    cursor = kind === 3 ? site + 2 : site + 1;
    const context = 1 + pick(3);
    windows.push([start - context, expected.length + context]);
  }
  expected.push(...old.slice(cursor));
  const shown = mergeWindows(windows.map(([a, b]) => widen(expected, a, b)));
  return { file, old, expected, snippet: render(expected, shown), shown };
}

/** Sites at least 12 lines apart, so their snippet windows rarely touch. */
function pickSites(length: number, count: number, pick: (n: number) => number): number[] {
  const sites: number[] = [];
  for (let tries = 0; sites.length < count && tries < 50; tries++) {
    const site = pick(length - 2);
    if (sites.every((other) => Math.abs(other - site) >= 12)) sites.push(site);
  }
  return sites.sort((a, b) => a - b);
}

/**
 * A window's context must hold a non-blank line on each side of the change, as a model's snippet does:
 * blank lines next to a marker belong to the elided code, so a snippet without one would not show where
 * a deleted line was.
 */
function widen(expected: readonly string[], start: number, end: number): [number, number] {
  let a = Math.max(0, start);
  let b = Math.min(expected.length, end);
  while (a > 0 && (expected[a]?.trim() ?? "") === "") a--;
  while (b < expected.length && (expected[b - 1]?.trim() ?? "") === "") b++;
  return [a, b];
}

function mergeWindows(windows: Array<[number, number]>): Array<[number, number]> {
  const merged: Array<[number, number]> = [];
  for (const window of windows) {
    const last = merged.at(-1);
    if (last && window[0] <= last[1]) last[1] = Math.max(last[1], window[1]);
    else merged.push([...window]);
  }
  return merged;
}

function render(expected: readonly string[], shown: ReadonlyArray<[number, number]>): string {
  const out: string[] = [];
  let cursor = 0;
  for (const [start, end] of shown) {
    if (start > cursor) out.push(MARKER);
    out.push(...expected.slice(start, end));
    cursor = end;
  }
  if (cursor < expected.length) out.push(MARKER);
  return out.join("\n");
}
