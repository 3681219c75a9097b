import type { GeneratorValue } from "fast-check";
import { chance, int, pick, typographic } from "./corpus-source.js";

/**
 * How a model misquotes a file when it writes a patch. `quote` rewrites each line the patch copies from
 * the file (context and removed lines); `added` rewrites the lines the model adds, which share only its
 * indentation habits (a model that shifted the block shifts its new lines too; its curly quotes in new
 * code would be new code, so they are not drift).
 */
export interface LineDrift {
  variant: string;
  quote(line: string, index: number): string;
  added(line: string): string;
}

export const NO_DRIFT: LineDrift = { variant: "exact", quote: (line) => line, added: (line) => line };

const leading = (line: string): string => /^[ \t]*/.exec(line)?.[0] ?? "";

/** Per-line random choices are drawn up front, so a drift is a pure function of the line's index. */
function perLine(g: GeneratorValue, count: number, p: number): boolean[] {
  return Array.from({ length: count }, () => chance(g, p));
}

/** Trailing spaces or tabs the file does not have, on some of the quoted lines (always at least one). */
export function trailingAdded(g: GeneratorValue, count: number): LineDrift {
  const flags = perLine(g, count, 0.4);
  flags[int(g, 0, Math.max(0, count - 1))] = true;
  const tails = flags.map(() => pick(g, [" ", "  ", "\t", " \t"]));
  return { variant: "added-in-patch", quote: (line, i) => (flags[i] === true ? line + (tails[i] ?? " ") : line), added: (line) => line };
}

/** The file has trailing whitespace; the model's copy does not. */
export const trailingStripped: LineDrift = { variant: "stripped-in-patch", quote: (line) => line.trimEnd(), added: (line) => line };

/** Interior spaces become no-break spaces (never in the indentation: that is where models keep ASCII). */
function nbsp(line: string): string {
  const indent = leading(line);
  return indent + line.slice(indent.length).replace(/(\S) (\S)/, "$1\u00A0$2");
}

/** Curly quotes, dashes and ellipses for ASCII, plus the odd no-break space; forced onto at least one line. */
export function curlyInPatch(g: GeneratorValue, old: readonly string[]): LineDrift {
  const spaces = perLine(g, old.length, 0.2);
  let changed = old.some((line, i) => typographic(line) !== line || (spaces[i] === true && nbsp(line) !== line));
  if (!changed) {
    const target = old.findIndex((line) => nbsp(line) !== line);
    if (target >= 0) spaces[target] = true;
    changed = target >= 0;
  }
  return {
    variant: changed ? "curly-in-patch" : "curly-in-patch (nothing to change)",
    quote: (line, i) => (spaces[i] === true ? nbsp(typographic(line)) : typographic(line)),
    added: (line) => line,
  };
}

/** The file has typographic punctuation (in comments); the model writes ASCII. */
export const asciiInPatch: LineDrift = {
  variant: "ascii-in-patch",
  quote: (line) =>
    line
      .replace(/[\u201C\u201D]/g, '"')
      .replace(/[\u2018\u2019]/g, "'")
      .replace(/\u2014/g, "--")
      .replace(/\u2013/g, "-")
      .replace(/\u2026/g, "..."),
  added: (line) => line,
};

/** Every non-blank line moved right by `n` spaces. */
export function shiftRight(n: number): LineDrift {
  const shift = (line: string): string => (line === "" ? "" : " ".repeat(n) + line);
  return { variant: `shift-right-${n}`, quote: shift, added: shift };
}

/** Every non-blank line moved left by `n` spaces; `n` must not exceed the smallest indentation. */
export function shiftLeft(n: number, flush: boolean): LineDrift {
  const shift = (line: string): string => (line === "" ? "" : line.slice(n));
  return { variant: flush ? "dedented-flush-left" : `shift-left-${n}`, quote: shift, added: shift };
}

/** A random shift of a space-indented hunk: right by 1, 2 or 4, flush left, or left by part of the indentation. */
export function randomShift(g: GeneratorValue, lines: readonly string[]): LineDrift {
  const indents = lines.filter((line) => line.trim() !== "").map((line) => leading(line).length);
  const common = indents.length === 0 ? 0 : Math.min(...indents);
  const mode = common === 0 ? "right" : pick(g, ["right", "flush", "left"] as const);
  if (mode === "right") return shiftRight(pick(g, [1, 2, 4]));
  if (mode === "flush") return shiftLeft(common, true);
  return shiftLeft(int(g, 1, common), common === 1);
}

/** Leading tabs written as `width` spaces each. */
export function tabsToSpaces(width: number): LineDrift {
  const convert = (line: string): string => line.replace(/^\t+/, (tabs) => " ".repeat(width * tabs.length));
  return { variant: `tabs->spaces(${width})`, quote: convert, added: convert };
}

/** Leading spaces written as tabs, one per `unit` of the file's indentation. */
export function spacesToTabs(unit: number): LineDrift {
  const convert = (line: string): string =>
    line.replace(/^ +/, (spaces) => "\t".repeat(Math.floor(spaces.length / unit)) + " ".repeat(spaces.length % unit));
  return { variant: `spaces->tabs(${unit})`, quote: convert, added: convert };
}

/** Several drifts at once, applied in order. */
export function compose(variant: string, drifts: readonly LineDrift[]): LineDrift {
  return {
    variant,
    quote: (line, i) => drifts.reduce((text, drift) => drift.quote(text, i), line),
    added: (line) => drifts.reduce((text, drift) => drift.added(text), line),
  };
}

/**
 * A line as an older version of the file had it: a number changed, or the last identifier renamed.
 * Undefined for lines with neither (a lone brace).
 */
export function staleVersion(line: string): string | undefined {
  const number = /\d+/.exec(line);
  if (number !== null) {
    return line.slice(0, number.index) + String(Number(number[0]) + 7) + line.slice(number.index + number[0].length);
  }
  const words = [...line.matchAll(/[A-Za-z_]\w*/g)];
  const last = words.at(-1);
  if (last === undefined || last.index === undefined) return undefined;
  return `${line.slice(0, last.index)}old_${last[0]}${line.slice(last.index + last[0].length)}`;
}
