import type { GeneratorValue } from "fast-check";
import { type Language, type SourceFile, chance, int, pick } from "./corpus-source.js";

/**
 * The intended edit of one file: a few non-overlapping hunks, each a window of the file's lines
 * (context before, removed lines, context after) and the lines that replace the removed ones, written
 * in the file's own style. What the model writes from this (with drift) is decided elsewhere.
 */
export interface PlannedHunk {
  /** First line of the window (0-based, in the original file). */
  start: number;
  before: number;
  removed: number;
  after: number;
  /** The new lines exactly as they must end up in the file. */
  added: string[];
  /** Indentation levels of the added lines (blank lines excluded). */
  addedDepths: number[];
  /** Pure insertion without old lines: after an `@@` header, or at the end of the file. */
  insertion?: "after-header" | "append";
}

export interface Focus {
  /** The window must lie inside [start, end). */
  region?: [number, number];
  /** The window must end at the end of the file. */
  atEnd?: boolean;
  /** The change must start at one of these lines. */
  lines?: readonly number[];
}

export interface PlanOptions {
  hunks: number;
  /** Context lines on each side (before, after), drawn per hunk. */
  context: () => [number, number];
  /** At least one line removed (so a hunk without context still has old lines). */
  mustRemove?: boolean;
  focus?: Focus;
}

export function windowLength(h: PlannedHunk): number {
  return h.before + h.removed + h.after;
}

/** The window's lines in the file. */
export function windowLines(file: SourceFile, h: PlannedHunk): string[] {
  return file.lines.slice(h.start, h.start + windowLength(h));
}

/** What replaces the window: context kept as the file has it, removed lines replaced by the added ones. */
export function replacementLines(file: SourceFile, h: PlannedHunk): string[] {
  const window = windowLines(file, h);
  return [...window.slice(0, h.before), ...h.added, ...window.slice(h.before + h.removed)];
}

/** Lines a model adds at `depth`: a statement or two, a modified copy of a removed line, or a nested block. */
function newLines(g: GeneratorValue, file: SourceFile, depth: number, count: number, modify: string | undefined, tag: string): Array<[number, string]> {
  const lang: Language = file.language;
  const semi = lang === "ts" ? ";" : "";
  // The tag is unique per hunk of the corpus, so added lines never equal a line of the file.
  const id = tag.replace(/\W/g, "");
  const digits = `${id.replace(/\D/g, "")}9`;
  const out: Array<[number, string]> = [];
  if (modify !== undefined && modify.trim() !== "") {
    const body = modify.trim();
    const changed = /\d+/.test(body) ? body.replace(/\d+/, (n) => `${n}${digits}`) : `${body.replace(/[;:{]$/, "")} ${lang === "py" ? "#" : "//"} edited ${id}${/[;:{]$/.exec(body)?.[0] ?? ""}`;
    out.push([depth, changed]);
  }
  while (out.length < count) {
    const k = out.length;
    if (chance(g, 0.3) && out.length + 2 <= Math.max(count, 2)) {
      const open = lang === "py" ? `if flag_${id}_${k}:` : lang === "go" ? `if flag${id}${k} {` : `if (flag${id}${k}) {`;
      const value = `${k + 1}${digits}`;
      out.push([depth, open], [depth + 1, lang === "go" ? `return fmt.Errorf("flag %d", ${value})` : `return ${value}${semi}`]);
      if (lang !== "py") out.push([depth, "}"]);
      continue;
    }
    const name = `${pick(g, ["added", "extra", "patched", "fresh"])}${lang === "py" ? "_" : ""}${id}${k}`;
    out.push([depth, lang === "go" ? `${name} := compute(input, ${k})` : lang === "py" ? `${name} = compute(input, ${k})` : `const ${name} = compute(input, ${k});`]);
  }
  return out;
}

function render(file: SourceFile, lines: Array<[number, string]>): { added: string[]; depths: number[] } {
  return { added: lines.map(([d, t]) => file.indentUnit.repeat(d) + t + file.addedSuffix), depths: lines.map(([d]) => d) };
}

/**
 * In a mixed-ending file, added lines that replace removed ones keep those lines' own endings (the k-th
 * added line that of the k-th removed one, later ones that of the last); the engine's rule.
 */
function withReplacedEndings(file: SourceFile, added: string[], c: number, removed: number): string[] {
  if (removed === 0) return added;
  return added.map((line, j) => {
    const replaced = file.lines[c + Math.min(j, removed - 1)] ?? "";
    return (line.endsWith("\r") ? line.slice(0, -1) : line) + (replaced.endsWith("\r") ? "\r" : "");
  });
}

/** The indentation level new lines at `at` should get: that of the nearest non-blank line. */
function depthAt(file: SourceFile, at: number): number {
  for (let k = at; k < file.lines.length; k++) if (file.lines[k]?.trim() !== "") return file.depths[k] ?? 0;
  for (let k = at - 1; k >= 0; k--) if (file.lines[k]?.trim() !== "") return file.depths[k] ?? 0;
  return 0;
}

/** One hunk whose change starts at `c`, its window kept inside [lo, hi). Undefined when it cannot fit. */
function hunkAt(g: GeneratorValue, file: SourceFile, c: number, lo: number, hi: number, options: PlanOptions, tag: string): PlannedHunk | undefined {
  const [ctxBefore, ctxAfter] = options.context();
  const maxRemove = Math.min(3, hi - c);
  const removed = options.mustRemove === true ? Math.min(maxRemove, int(g, 1, 3)) : Math.min(maxRemove, int(g, 0, 3));
  if (options.mustRemove === true && removed === 0) return undefined;
  const before = Math.min(ctxBefore, c - lo);
  const after = options.focus?.atEnd === true ? hi - c - removed : Math.min(ctxAfter, hi - c - removed);
  if (before + removed + after === 0) return undefined;
  const count = removed === 0 ? int(g, 1, 3) : int(g, 0, 3);
  const modify = removed > 0 && count > 0 && chance(g, 0.4) ? file.lines[c] : undefined;
  const lines = newLines(g, file, depthAt(file, c), count, modify, tag);
  const rendered = render(file, lines);
  const added = withReplacedEndings(file, rendered.added, c, removed);
  const hunk: PlannedHunk = { start: c - before, before, removed, after, added, addedDepths: rendered.depths };
  const window = windowLines(file, hunk);
  if (window.every((line) => line.trim() === "")) return undefined;
  return hunk;
}

/** Plans `options.hunks` hunks in separate stretches of the file (fewer when the file is too short). */
export function planHunks(g: GeneratorValue, file: SourceFile, options: PlanOptions, tag: string): PlannedHunk[] {
  const n = file.lines.length;
  const focus = options.focus;
  if (focus !== undefined) {
    const [lo, hi] = focus.region ?? [0, n];
    for (let attempt = 0; attempt < 20; attempt++) {
      let c: number;
      if (focus.lines !== undefined && focus.lines.length > 0) c = pick(g, focus.lines);
      else if (focus.atEnd === true) c = Math.max(lo, hi - int(g, 1, 4));
      else c = int(g, lo, hi - 1);
      const hunk = hunkAt(g, file, c, lo, hi, options, tag);
      if (hunk !== undefined) return [hunk];
    }
    return [];
  }
  const count = Math.max(1, Math.min(options.hunks, Math.floor(n / 8)));
  const hunks: PlannedHunk[] = [];
  for (let k = 0; k < count; k++) {
    const lo = Math.floor((k * n) / count);
    const hi = Math.floor(((k + 1) * n) / count);
    for (let attempt = 0; attempt < 10; attempt++) {
      const hunk = hunkAt(g, file, int(g, lo, hi - 1), lo, hi, options, `${tag}${k}`);
      if (hunk !== undefined) {
        hunks.push(hunk);
        break;
      }
    }
  }
  return hunks;
}

/** A pure insertion of new lines right after a function's signature (the `@@ signature` form). */
export function insertAfterSignature(g: GeneratorValue, file: SourceFile, unit: number, tag: string): PlannedHunk | undefined {
  const target = file.units[unit];
  if (target === undefined) return undefined;
  const depth = (file.depths[target.signature] ?? 0) + 1;
  const { added, depths } = render(file, newLines(g, file, depth, int(g, 1, 3), undefined, tag));
  return { start: target.signature + 1, before: 0, removed: 0, after: 0, added, addedDepths: depths, insertion: "after-header" };
}

/** New lines appended at the end of the file (a hunk with only added lines). */
export function appendAtEnd(g: GeneratorValue, file: SourceFile, tag: string): PlannedHunk {
  const { added, depths } = render(file, newLines(g, file, 0, int(g, 1, 3), undefined, tag));
  return { start: file.lines.length, before: 0, removed: 0, after: 0, added, addedDepths: depths, insertion: "append" };
}
