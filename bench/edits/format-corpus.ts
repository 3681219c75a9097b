/**
 * Cases for the formats beside the Codex envelope and SEARCH/REPLACE: unified diffs and string
 * replacements, each with the drift a model's edit meets (wrong line numbers, moved code, stale or
 * re-indented context, a duplicated region). A case carries what the model sent first and what it would
 * send once shown the file's actual lines (`corrected`): fresh context copied from the file, correct
 * line numbers, and enough lines to be unique.
 */
import { prng } from "../../test/support/gguf-file.js";

export type FormatName = "unified-diff" | "string-replace";
export const FORMAT_DRIFTS = ["none", "wrong-line-numbers", "moved-code", "stale-context", "reindented-context", "duplicated-region"] as const;
export type FormatDrift = (typeof FORMAT_DRIFTS)[number];

export interface FormatCase {
  id: string;
  format: FormatName;
  drift: FormatDrift;
  path: string;
  /** The file on disk when the edit arrives. */
  before: string;
  /** The file as the edit meant it. */
  expected: string;
  patch: string;
  corrected: string;
}

type Random = () => number;

const pick = (random: Random, n: number): number => Math.floor(random() * n);

/** A source file of small functions: distinct lines, indented two levels deep in places. */
function sourceLines(random: Random, functions: number): string[] {
  const lines: string[] = [];
  for (let f = 0; f < functions; f++) {
    const k = 10 + pick(random, 90);
    lines.push(`function step${f}(x) {`, `  const v${f} = x * ${k};`, `  if (v${f} > ${k * 3}) {`, `    log("step ${f} high", v${f});`, `    return v${f} - ${f};`, "  }", `  return v${f} + ${f};`, "}", "");
  }
  return lines;
}

interface Drifted {
  /** The file on disk. */
  current: string[];
  /** Where the target line is in it. */
  target: number;
  /** Line numbers the model writes are off by this much. */
  numberOffset: number;
  /** The model's copy of the file (stale or re-indented lines differ from the file). */
  seen: string[];
  /** Where the target line is in the model's copy. */
  seenTarget: number;
}

function drift(kind: FormatDrift, base: string[], target: number, random: Random): Drifted {
  const current = [...base];
  let at = target;
  let numberOffset = 0;
  const seen = [...base];
  if (kind === "wrong-line-numbers") numberOffset = (random() < 0.5 ? -1 : 1) * (5 + pick(random, 40));
  if (kind === "moved-code") {
    // The function holding the target moved to the end of the file since the model read it.
    const start = target - (target % 9);
    const block = current.splice(start, 9);
    current.push(...block);
    at = current.length - 9 + (target - start);
    numberOffset = target - at;
  }
  if (kind === "stale-context") current[at - 1] = `${current[at - 1] ?? ""} // changed since`;
  if (kind === "reindented-context") for (let i = target - 3; i <= target + 3; i++) seen[i] = (seen[i] ?? "").replace(/^ {2}/, "\t");
  if (kind === "duplicated-region") {
    // The same lines also appear above, in a copied function: only the (correct) line numbers tell them apart.
    current.unshift("function copy(x) {", ...base.slice(target - 1, target + 2), "}", "");
    at = target + 6;
    return { current, target: at, numberOffset, seen: [...current], seenTarget: at };
  }
  return { current, target: at, numberOffset, seen: kind === "moved-code" ? [...current] : seen, seenTarget: kind === "moved-code" ? at : target };
}

function changed(line: string): string {
  return line.includes("return") ? line.replace("return", "return -") : `${line} // edited`;
}

/** A unified diff of one hunk: `context` lines around the target, line numbers off by `offset`. */
function unifiedDiff(path: string, lines: readonly string[], target: number, context: number, offset: number, countsOff: boolean): string {
  const from = Math.max(0, target - context);
  const to = Math.min(lines.length, target + context + 1);
  const body: string[] = [];
  for (let i = from; i < to; i++) {
    if (i === target) body.push(`-${lines[i] ?? ""}`, `+${changed(lines[i] ?? "")}`);
    else body.push(` ${lines[i] ?? ""}`);
  }
  const count = to - from + (countsOff ? 2 : 0);
  const start = Math.max(1, from + 1 + offset);
  return [`--- a/${path}`, `+++ b/${path}`, `@@ -${start},${count} +${start},${count} @@`, ...body, ""].join("\n");
}

function stringReplace(path: string, lines: readonly string[], target: number, context: number): string {
  const from = Math.max(0, target - context);
  const old = lines.slice(from, target + context + 1);
  const next = old.map((line, i) => (from + i === target ? changed(line) : line));
  return JSON.stringify({ path, old_string: old.join("\n"), new_string: next.join("\n") });
}

export function generateFormatCases(perKind: number, seed: number): FormatCase[] {
  const random = prng(seed);
  const cases: FormatCase[] = [];
  for (const format of ["unified-diff", "string-replace"] as const) {
    // String replacements carry no line numbers: that drift does not apply to them.
    for (const kind of FORMAT_DRIFTS.filter((k) => format === "unified-diff" || k !== "wrong-line-numbers")) {
      for (let n = 0; n < perKind; n++) {
        const base = sourceLines(random, 4 + pick(random, 6));
        // A line inside a function body, never its first or last line.
        const target = 9 * pick(random, base.length / 9 - 1) + 2 + pick(random, 4);
        const d = drift(kind, base, target, random);
        const path = `src/mod${n}.js`;
        const expectedLines = d.current.map((line, i) => (i === d.target ? changed(line) : line));
        const patch =
          format === "unified-diff"
            ? unifiedDiff(path, d.seen, d.seenTarget, kind === "duplicated-region" ? 1 : 3, d.numberOffset, kind === "wrong-line-numbers")
            : stringReplace(path, d.seen, d.seenTarget, kind === "duplicated-region" ? 0 : 1);
        const corrected = format === "unified-diff" ? unifiedDiff(path, d.current, d.target, 3, 0, false) : stringReplace(path, d.current, d.target, 3);
        cases.push({ id: `${format}-${kind}-${n}`, format, drift: kind, path, before: `${d.current.join("\n")}\n`, expected: `${expectedLines.join("\n")}\n`, patch, corrected });
      }
    }
  }
  return cases;
}
