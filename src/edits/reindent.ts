import { leadingWhitespace } from "./line-normalize.js";

/**
 * Re-indents a hunk's added lines to the file. When a hunk matched only after ignoring leading
 * whitespace, the model's indentation is off (a shifted block, spaces for tabs); lines it adds would
 * land misaligned. The matched lines tell us how each indentation of the patch maps onto the file's;
 * added lines are translated with that map.
 *
 * An added line at an indentation no matched line has is placed relative to the nearest one that is
 * known, and the levels it adds (or removes) are counted in the patch's indentation unit and written in
 * the file's: with a patch indented by 4 spaces against a tab-indented file, a line two levels deeper
 * than a matched `\t` line becomes `\t\t\t`, not `\t` plus 8 spaces. The units come from the matched
 * lines; when those cannot tell them (their indentation is the same on both sides, say all at column 0),
 * from the file's own style: in a file indented with tabs only, an added line that starts with spaces
 * gets tabs, and the reverse. When the units are the same (a block that is only shifted), or cannot be
 * told, the extra indentation is kept as the patch wrote it.
 */
export interface Reindenter {
  /** Every patch indentation maps to one file indentation. */
  readonly consistent: boolean;
  /** Some indentation differs between patch and file. */
  readonly shifted: boolean;
  apply(line: string): string;
}

export interface ReindentContext {
  /** The hunk's new side (kept and added lines, in order): how the patch indents when its old lines do not say. */
  newLines?: readonly string[];
  /** The whole file's indentation style, for when the matched lines do not show it. */
  file?: FileIndentation;
}

/**
 * How a whole file indents, worked out on first use and then kept: create one per file and pass it to
 * every hunk's re-indenter, so the file is scanned once however many hunks it has.
 */
export class FileIndentation {
  private style: FileStyle | null | undefined;

  constructor(private readonly lines: readonly string[]) {}

  get(): FileStyle | undefined {
    if (this.style === undefined) {
      const kind = dominantKind(this.lines);
      this.style = kind === undefined ? null : { kind, spaceUnit: kind === "spaces" ? spaceUnit(this.lines) : undefined };
    }
    return this.style ?? undefined;
  }
}

/** One level of indentation on each side: the patch's ("    ") and the file's ("\t"). */
interface Units {
  patch: string;
  file: string;
}

export function buildReindenter(patternLines: readonly string[], windowLines: readonly string[], context: ReindentContext = {}): Reindenter {
  const map = new Map<string, string>();
  let consistent = true;
  let shifted = false;
  patternLines.forEach((patternLine, i) => {
    const fileLine = windowLines[i];
    if (fileLine === undefined || patternLine.trim() === "" || fileLine.trim() === "") return;
    const from = leadingWhitespace(patternLine);
    const to = leadingWhitespace(fileLine);
    if (from !== to) shifted = true;
    const known = map.get(from);
    if (known === undefined) map.set(from, to);
    else if (known !== to) consistent = false;
  });
  // Longest first, so the most specific known indentation is used as the base for deeper lines.
  const keys = [...map.keys()].sort((x, y) => y.length - x.length);
  let styleUnits: Units | null | undefined;
  // Computed on first need only: most hunks add nothing at a new level in a foreign style.
  const fromStyle = (): Units | undefined => {
    styleUnits ??= unitsFromStyle(patternLines, windowLines, context) ?? null;
    return styleUnits ?? undefined;
  };
  const pairUnits = shifted ? unitsFromPairs(map) : undefined;
  return {
    consistent,
    shifted,
    apply: (line) => {
      if (line.trim() === "") return line;
      if (shifted) return translate(line, map, keys, pairUnits ?? fromStyle());
      // Matched as written: only a line indented in the style the file does not use is translated.
      const first = line[0];
      if (first !== " " && first !== "\t") return line;
      const units = fromStyle();
      return units !== undefined && units.patch.startsWith(first) ? translate(line, map, keys, units) : line;
    },
  };
}

function translate(line: string, map: ReadonlyMap<string, string>, keys: readonly string[], units: Units | undefined): string {
  const indent = leadingWhitespace(line);
  const rest = line.slice(indent.length);
  const exact = map.get(indent);
  if (exact !== undefined) return exact + rest;
  // Deeper than a matched indentation: the extra levels on top of the deepest known base.
  const base = keys.find((key) => indent.startsWith(key));
  if (base !== undefined) return (map.get(base) ?? base) + convertExtra(indent.slice(base.length), units) + rest;
  // Shallower than anything matched: remove as many levels from the shallowest known target.
  const shallowest = keys.at(-1);
  if (shallowest !== undefined && shallowest.startsWith(indent)) {
    const target = removeLevels(map.get(shallowest) ?? shallowest, shallowest.slice(indent.length), units);
    if (target !== undefined) return target + rest;
  }
  // Nothing matched to measure from: count the levels from column 0.
  return units === undefined ? line : convertExtra(indent, units) + rest;
}

/** Indentation the patch adds on top of a known base, written in the file's unit. */
function convertExtra(extra: string, units: Units | undefined): string {
  if (units === undefined) return extra;
  const { levels, align } = countLevels(extra, units.patch);
  return units.file.repeat(levels) + align;
}

/** `target` less the indentation `removed` (in the patch's unit); undefined when it does not have that much. */
function removeLevels(target: string, removed: string, units: Units | undefined): string | undefined {
  if (units === undefined) return target.length >= removed.length ? target.slice(0, target.length - removed.length) : undefined;
  const { levels, align } = countLevels(removed, units.patch);
  if (!target.endsWith(align)) return undefined;
  let kept = target.slice(0, target.length - align.length);
  for (let k = 0; k < levels; k++) {
    if (!kept.endsWith(units.file)) return undefined;
    kept = kept.slice(0, kept.length - units.file.length);
  }
  return kept;
}

/**
 * Whole levels in an indentation, counted in `unit`, and the spaces left over (alignment, kept as is).
 * A tab is a level whatever the unit; spaces count in units of spaces when the unit is spaces.
 */
function countLevels(indent: string, unit: string): { levels: number; align: string } {
  let levels = 0;
  let spaces = 0;
  for (const char of indent) {
    if (char === "\t") levels++;
    else spaces++;
  }
  if (unit.startsWith(" ")) {
    levels += Math.floor(spaces / unit.length);
    spaces %= unit.length;
  }
  return { levels, align: " ".repeat(spaces) };
}

export type Kind = "tabs" | "spaces";

interface Pair {
  from: number;
  to: number;
  fromKind: Kind | undefined;
  toKind: Kind | undefined;
}

/** Indentation of one character only: its kind (none for "") and length. Undefined when mixed. */
function pure(indent: string): { kind: Kind | undefined; count: number } | undefined {
  if (indent === "") return { kind: undefined, count: 0 };
  if (/^\t+$/.test(indent)) return { kind: "tabs", count: indent.length };
  if (/^ +$/.test(indent)) return { kind: "spaces", count: indent.length };
  return undefined;
}

/**
 * The patch's and the file's indentation units, from the matched indentations. Undefined when they
 * do not tell: both sides indent alike, or the levels do not line up.
 *
 * - Tabs on one side, spaces on the other: the spaces per tab follow from the matched levels (the
 *   difference in spaces over the difference in tabs), or from one level when only one is known.
 * - Spaces on both sides: only when at least three matched levels all fit one scale other than 1 (a
 *   patch indented by 4 spaces against a file indented by 2); a plain shift is left as it is.
 */
function unitsFromPairs(map: ReadonlyMap<string, string>): Units | undefined {
  const pairs: Pair[] = [];
  for (const [from, to] of map) {
    const f = pure(from);
    const t = pure(to);
    if (f !== undefined && t !== undefined) pairs.push({ from: f.count, to: t.count, fromKind: f.kind, toKind: t.kind });
  }
  const patchKind = majorityKind(pairs.map((pair) => pair.fromKind));
  const fileKind = majorityKind(pairs.map((pair) => pair.toKind));
  if (patchKind === undefined || fileKind === undefined || (patchKind === "tabs" && fileKind === "tabs")) return undefined;
  const usable = pairs.filter((pair) => (pair.fromKind ?? patchKind) === patchKind && (pair.toKind ?? fileKind) === fileKind);
  if (patchKind === "spaces" && fileKind === "spaces") {
    const scale = usable.length >= 3 ? fitScale(usable) : undefined;
    if (scale === undefined || scale === 1) return undefined;
    const ratio = lowestTerms(scale);
    return ratio === undefined ? undefined : { patch: " ".repeat(ratio.denominator), file: " ".repeat(ratio.numerator) };
  }
  // One side tabs, the other spaces: how many spaces stand for one tab.
  const scale = fitScale(usable);
  let perTab = scale === undefined ? undefined : patchKind === "tabs" ? scale : 1 / scale;
  if (perTab === undefined || !isIndentWidth(perTab)) {
    // The levels do not line up exactly: the most common ratio of single levels.
    const ratios = usable.filter((pair) => pair.from > 0 && pair.to > 0).map((pair) => (patchKind === "tabs" ? pair.to / pair.from : pair.from / pair.to));
    perTab = mostCommon(ratios.filter(isIndentWidth));
  }
  if (perTab === undefined) return undefined;
  return patchKind === "tabs" ? { patch: "\t", file: " ".repeat(perTab) } : { patch: " ".repeat(perTab), file: "\t" };
}

/**
 * Units from the file's style, for when the matched lines do not show them: the file indents with one
 * kind only (tabs, or spaces), the patch's lines with the other. The width of a space-indented side is
 * its most common step between consecutive lines.
 */
function unitsFromStyle(patternLines: readonly string[], windowLines: readonly string[], context: ReindentContext): Units | undefined {
  const file = (context.file ?? new FileIndentation(windowLines)).get();
  if (file === undefined) return undefined;
  const patchLines = [...patternLines, ...(context.newLines ?? [])];
  if (file.kind === "tabs") {
    const width = spaceUnit(context.newLines ?? []) ?? spaceUnit(patternLines);
    return width === undefined || !patchLines.some((line) => line.startsWith(" ") && line.trim() !== "") ? undefined : { patch: " ".repeat(width), file: "\t" };
  }
  const width = file.spaceUnit;
  return width === undefined || !patchLines.some((line) => line.startsWith("\t") && line.trim() !== "") ? undefined : { patch: "\t", file: " ".repeat(width) };
}

export interface FileStyle {
  /** What (nearly) every indented line starts with. */
  kind: Kind;
  /** One level, for a file indented with spaces. */
  spaceUnit: number | undefined;
}

/** The kind that starts (nearly) every indented line of a file: at least 9 in 10 of them. */
function dominantKind(lines: readonly string[]): Kind | undefined {
  let tabs = 0;
  let spaces = 0;
  for (const line of lines) {
    if (line.trim() === "") continue;
    if (line.startsWith("\t")) tabs++;
    else if (line.startsWith(" ")) spaces++;
  }
  if (tabs > 0 && tabs >= 9 * spaces) return "tabs";
  if (spaces > 0 && spaces >= 9 * tabs) return "spaces";
  return undefined;
}

/**
 * The width of one level of space indentation: the most common increase (of 2 to 8) between consecutive
 * space-indented (or unindented) lines, the smaller one on a tie. Without any increase (a lone indented
 * line), 4 when every width is a multiple of it (the usual unit), else 2 likewise, else the one width.
 */
function spaceUnit(lines: readonly string[]): number | undefined {
  const steps: number[] = [];
  const widths: number[] = [];
  let previous: number | undefined;
  for (const line of lines) {
    if (line.trim() === "") continue;
    const indent = pure(leadingWhitespace(line));
    if (indent === undefined || indent.kind === "tabs") continue;
    if (previous !== undefined && indent.count > previous) steps.push(indent.count - previous);
    if (indent.count > 0) widths.push(indent.count);
    previous = indent.count;
  }
  let step = mostCommon(steps.filter(isIndentWidth));
  if (step === undefined && widths.length > 0) {
    step = [4, 2].find((unit) => widths.every((width) => width % unit === 0)) ?? (new Set(widths).size === 1 ? widths[0] : undefined);
  }
  return step !== undefined && isIndentWidth(step) ? step : undefined;
}

/** A plausible width of one level of space indentation (a 1-space step is alignment, as in ` * ` comment lines). */
function isIndentWidth(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && n <= 8;
}

function majorityKind(kinds: ReadonlyArray<Kind | undefined>): Kind | undefined {
  const tabs = kinds.filter((kind) => kind === "tabs").length;
  const spaces = kinds.filter((kind) => kind === "spaces").length;
  if (tabs === 0 && spaces === 0) return undefined;
  return tabs >= spaces ? "tabs" : "spaces";
}

/** The most frequent value; the smallest one on a tie. */
function mostCommon(values: readonly number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best: number | undefined;
  for (const [value, count] of counts) {
    const bestCount = best === undefined ? 0 : (counts.get(best) ?? 0);
    if (best === undefined || count > bestCount || (count === bestCount && value < best)) best = value;
  }
  return best;
}

/**
 * File indentation per patch indentation (each counted in characters of its side's kind) that every
 * pair fits: from the shallowest and the deepest pair when they differ, else from the one level,
 * taken to start at column 0 on both sides. Undefined when the pairs disagree or say nothing.
 */
function fitScale(pairs: ReadonlyArray<{ from: number; to: number }>): number | undefined {
  const sorted = [...pairs].sort((a, b) => a.from - b.from);
  const low = sorted[0];
  const high = sorted.at(-1);
  if (low === undefined || high === undefined) return undefined;
  let scale: number;
  let offset: number;
  if (high.from > low.from) {
    scale = (high.to - low.to) / (high.from - low.from);
    offset = low.to - scale * low.from;
  } else if (high.from > 0) {
    scale = high.to / high.from;
    offset = 0;
  } else {
    return undefined;
  }
  if (!(scale > 0)) return undefined;
  return sorted.every((pair) => Math.abs(pair.from * scale + offset - pair.to) < 1e-9) ? scale : undefined;
}

/** A ratio of small integers, in lowest terms; undefined when the value is not one. */
function lowestTerms(value: number): { numerator: number; denominator: number } | undefined {
  for (let denominator = 1; denominator <= 8; denominator++) {
    const numerator = value * denominator;
    if (Math.abs(numerator - Math.round(numerator)) < 1e-9) return { numerator: Math.round(numerator), denominator };
  }
  return undefined;
}
