import type { Hunk } from "./patch-types.js";
import { type ApplyState, failedStep, type Splice, type Step } from "./hunk-outcome.js";
import { ambiguousError, emptyLiteralError } from "./hunk-errors.js";
import { commonLinePairs } from "./line-diff.js";
import { lineEnding, replacedLines, withoutEnding } from "./line-endings.js";

/**
 * A string replacement (old_string/new_string): old_string is found as text, anywhere in a line or across
 * lines, and only exactly; the lines it touches are rewritten with the occurrence replaced. One occurrence
 * applies; several are refused as ambiguous unless replace_all asks for every one. When old_string is not
 * in the file as written, undefined hands the hunk to the line matcher, whose fuzzy levels (whitespace,
 * indentation, look-alike punctuation) and closest-lines message then apply as for any other format.
 */

interface Occurrence {
  /** Offsets in the text of the lines joined by "\n" (endings removed); end exclusive. */
  start: number;
  end: number;
}

interface Group {
  /** 0-based lines the occurrences touch, inclusive. */
  first: number;
  last: number;
  occurrences: Occurrence[];
}

export function applyLiteral(
  lines: readonly string[],
  hunk: Hunk,
  index: number,
  state: ApplyState,
  options: { displayPath: string; addedLineSuffix: string },
): Step | undefined {
  if (hunk.oldLines.length === 0) {
    return lines.length === 0 ? createdFile(hunk, index) : failedStep(hunk, index, state.cursor, emptyLiteralError(hunk, index, options.displayPath));
  }
  const text = new JoinedLines(lines);
  const occurrences = text.findAll(hunk.oldLines.join("\n"));
  if (occurrences.length === 0) return undefined;
  const groups = groupByLines(text, occurrences);
  if (occurrences.length > 1 && hunk.literal?.replaceAll !== true) {
    const starts = occurrences.map((occurrence) => text.lineAt(occurrence.start));
    return failedStep(hunk, index, state.cursor, ambiguousError(hunk, index, options.displayPath, "exact", starts));
  }
  const replacement = hunk.newLines.join("\n");
  const splices: Splice[] = [];
  let added = 0;
  let removed = 0;
  for (const group of groups) {
    const oldSegment = lines.slice(group.first, group.last + 1);
    const newSegment = text.replaceIn(group, replacement).split("\n");
    const built = rebuild(oldSegment, newSegment, options.addedLineSuffix);
    splices.push({ start: group.first, deleteCount: oldSegment.length, lines: built.lines, order: index });
    added += newSegment.length - built.kept;
    removed += oldSegment.length - built.kept;
  }
  const first = groups[0]?.first ?? 0;
  const notes = occurrences.length > 1 ? [`replaced ${occurrences.length} occurrences (lines ${groups.map((group) => group.first + 1).join(", ")})`] : [];
  return {
    outcome: { index, sourceLine: hunk.sourceLine, status: "applied", matchedBy: "exact", fileLine: first + 1, notes },
    splices,
    cursor: (groups.at(-1)?.last ?? first) + 1,
    added,
    removed,
  };
}

/** new_string as a new file's text: a final line break is the file's final newline, not one more line. */
function createdFile(hunk: Hunk, index: number): Step {
  const lines = hunk.newLines.at(-1) === "" ? hunk.newLines.slice(0, -1) : [...hunk.newLines];
  return {
    outcome: { index, sourceLine: hunk.sourceLine, status: "applied", matchedBy: "insertion", fileLine: 1, notes: [] },
    splices: [{ start: 0, deleteCount: 0, lines, order: index }],
    cursor: 0,
    added: lines.length,
    removed: 0,
  };
}

/** New lines for a segment: unchanged lines verbatim, changed ones with the ending of the line they replace. */
function rebuild(oldSegment: readonly string[], newSegment: readonly string[], suffix: string): { lines: string[]; kept: number } {
  const pairs = commonLinePairs(oldSegment.map(withoutEnding), newSegment);
  const keptFrom = new Map<number, number>(pairs.map(([oldIndex, newIndex]) => [newIndex, oldIndex]));
  const replaced = replacedLines(pairs, oldSegment.length, newSegment.length);
  const lines = newSegment.map((line, j) => {
    const kept = keptFrom.get(j);
    if (kept !== undefined) return oldSegment[kept] ?? line;
    const stands = replaced.get(j);
    return line + (stands === undefined ? suffix : lineEnding(oldSegment[stands] ?? ""));
  });
  return { lines, kept: pairs.length };
}

/** Occurrences that touch the same or adjacent-by-newline lines are rewritten together. */
function groupByLines(text: JoinedLines, occurrences: readonly Occurrence[]): Group[] {
  const groups: Group[] = [];
  for (const occurrence of occurrences) {
    const first = text.lineAt(occurrence.start);
    // An occurrence that ends with a line break takes in the line after it, whose start it joins to.
    const last = text.lineAt(occurrence.end);
    const previous = groups.at(-1);
    if (previous !== undefined && first <= previous.last) {
      previous.last = Math.max(previous.last, last);
      previous.occurrences.push(occurrence);
    } else {
      groups.push({ first, last, occurrences: [occurrence] });
    }
  }
  return groups;
}

/** A file's lines as one text, to search across line breaks, with the way back to line numbers. */
class JoinedLines {
  readonly text: string;
  private readonly starts: number[] = [];

  constructor(lines: readonly string[]) {
    let offset = 0;
    for (const line of lines) {
      this.starts.push(offset);
      offset += withoutEnding(line).length + 1;
    }
    this.text = lines.map(withoutEnding).join("\n");
  }

  findAll(needle: string): Occurrence[] {
    const found: Occurrence[] = [];
    for (let at = this.text.indexOf(needle); at >= 0; at = this.text.indexOf(needle, at + needle.length)) found.push({ start: at, end: at + needle.length });
    return found;
  }

  /** The 0-based line holding an offset (an offset at a line break belongs to the line after it). */
  lineAt(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** The group's lines as text, with each of its occurrences replaced. */
  replaceIn(group: Group, replacement: string): string {
    const from = this.starts[group.first] ?? 0;
    const to = group.last + 1 < this.starts.length ? (this.starts[group.last + 1] ?? 0) - 1 : this.text.length;
    let result = "";
    let at = from;
    for (const occurrence of group.occurrences) {
      result += this.text.slice(at, occurrence.start) + replacement;
      at = occurrence.end;
    }
    return result + this.text.slice(at, to);
  }
}
