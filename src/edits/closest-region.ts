import { normalizeLine } from "./line-normalize.js";

/**
 * When a hunk matches nowhere, the most useful answer is "here is what the file really says near where
 * you meant": the window of the file most similar to the hunk's old lines, with line numbers, so a
 * model can re-read it and resend only that hunk.
 */
export interface ClosestRegion {
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** 0..1, the mean per-line similarity (character bigrams, punctuation and surrounding whitespace ignored). */
  similarity: number;
  lines: string[];
}

/**
 * Above this many line comparisons (about 0.3 s) only windows that share an identical line with the hunk
 * are scored; with none, no region is suggested rather than a misleading one.
 */
const FULL_SCAN_BUDGET = 300_000;

export function findClosestRegion(fileLines: readonly string[], pattern: readonly string[]): ClosestRegion | undefined {
  const n = fileLines.length;
  if (n === 0 || pattern.length === 0) return undefined;
  const size = Math.min(pattern.length, n);
  const scorer = new LineSimilarity();
  const file = fileLines.map((line) => normalizeLine(line, "unicode"));
  const wanted = pattern.map((line) => normalizeLine(line, "unicode"));
  const starts = candidateStarts(file, wanted, size);
  let best: { start: number; score: number } | undefined;
  for (const start of starts) {
    let total = 0;
    for (let i = 0; i < size; i++) total += scorer.similarity(wanted[i] ?? "", file[start + i] ?? "");
    if (best === undefined || total > best.score) best = { start, score: total };
  }
  if (best === undefined) return undefined;
  return {
    startLine: best.start + 1,
    endLine: best.start + size,
    similarity: best.score / size,
    lines: fileLines.slice(best.start, best.start + size),
  };
}

/** Both arguments are already normalised. */
function candidateStarts(fileLines: readonly string[], pattern: readonly string[], size: number): Iterable<number> {
  const last = fileLines.length - size;
  if ((last + 1) * size <= FULL_SCAN_BUDGET) return range(0, last);
  // Huge file: vote for window starts by exact (normalised) line hits, as diff tools anchor on unique lines.
  const positions = new Map<string, number[]>();
  pattern.forEach((line, i) => {
    if (line !== "") positions.set(line, [...(positions.get(line) ?? []), i]);
  });
  const starts = new Set<number>();
  fileLines.forEach((line, k) => {
    for (const i of positions.get(line) ?? []) {
      const start = Math.min(Math.max(k - i, 0), last);
      if (starts.size < 10_000) starts.add(start);
    }
  });
  return starts;
}

function* range(from: number, to: number): Iterable<number> {
  for (let i = from; i <= to; i++) yield i;
}

/** Dice coefficient over character bigrams of normalised lines, with each line's bigrams computed once. */
class LineSimilarity {
  private readonly bigrams = new Map<string, Map<number, number>>();

  similarity(x: string, y: string): number {
    if (x === y) return 1;
    if (x.length < 2 || y.length < 2) return 0;
    const bx = this.bigramsOf(x);
    const by = this.bigramsOf(y);
    let shared = 0;
    for (const [gram, count] of bx) shared += Math.min(count, by.get(gram) ?? 0);
    return (2 * shared) / (x.length - 1 + (y.length - 1));
  }

  private bigramsOf(text: string): Map<number, number> {
    let grams = this.bigrams.get(text);
    if (grams === undefined) {
      grams = new Map();
      for (let i = 0; i < text.length - 1; i++) {
        // Two UTF-16 code units packed in one number: no string allocated per bigram.
        const gram = text.charCodeAt(i) * 65536 + text.charCodeAt(i + 1);
        grams.set(gram, (grams.get(gram) ?? 0) + 1);
      }
      this.bigrams.set(text, grams);
    }
    return grams;
  }
}

/** "  12 | text" lines for an error message. */
export function formatNumberedLines(startLine: number, lines: readonly string[]): string {
  const width = String(startLine + lines.length - 1).length;
  return lines.map((line, i) => `  ${String(startLine + i).padStart(width)} | ${line}`).join("\n");
}
