/**
 * The comparison levels of the matcher, from strict to loose. A hunk is located at the strictest level
 * where it matches; looser levels only run when stricter ones found nothing, so a fuzzy rule can never
 * outvote an exact match.
 */
export type MatchLevel = "exact" | "trailing-whitespace" | "whitespace" | "unicode";

export const MATCH_LEVELS: readonly MatchLevel[] = ["exact", "trailing-whitespace", "whitespace", "unicode"];

/**
 * Look-alike characters models emit instead of ASCII (they were trained on typeset prose), mapped to
 * what source code almost always holds. Codex's matcher uses the same families.
 */
const PUNCTUATION: Readonly<Record<string, string>> = {
  "\u2010": "-", // hyphen
  "\u2011": "-", // non-breaking hyphen
  "\u2012": "-", // figure dash
  "\u2013": "-", // en dash
  "\u2014": "-", // em dash
  "\u2015": "-", // horizontal bar
  "\u2212": "-", // minus sign
  "\u2018": "'",
  "\u2019": "'",
  "\u201A": "'",
  "\u201B": "'",
  "\u2032": "'", // prime
  "\u201C": '"',
  "\u201D": '"',
  "\u201E": '"',
  "\u201F": '"',
  "\u2033": '"', // double prime
  "\u2026": "...",
  "\u00A0": " ",
  "\u2002": " ",
  "\u2003": " ",
  "\u2004": " ",
  "\u2005": " ",
  "\u2006": " ",
  "\u2007": " ",
  "\u2008": " ",
  "\u2009": " ",
  "\u200A": " ",
  "\u202F": " ",
  "\u205F": " ",
  "\u3000": " ",
  "\u200B": "", // zero-width space
  "\u200C": "",
  "\u200D": "",
  "\u2060": "", // word joiner
  "\uFEFF": "", // a BOM pasted into the middle of a line
};
// An alternation rather than a character class: a class holding a zero-width joiner is easy to misread.
const PUNCTUATION_PATTERN = new RegExp(Object.keys(PUNCTUATION).join("|"), "gu");

export function normalizeUnicodePunctuation(text: string): string {
  return text.replace(PUNCTUATION_PATTERN, (char) => PUNCTUATION[char] ?? char);
}

export function normalizeLine(line: string, level: MatchLevel): string {
  switch (level) {
    case "exact":
      return line;
    case "trailing-whitespace":
      return line.trimEnd();
    case "whitespace":
      return line.trim();
    case "unicode":
      return normalizeUnicodePunctuation(line).trim();
  }
}

/** A file's lines, normalised per level on first use, so each level is computed once per file. */
export class NormalizedLines {
  private readonly cache = new Map<MatchLevel, string[]>();

  constructor(readonly lines: readonly string[]) {}

  get length(): number {
    return this.lines.length;
  }

  at(level: MatchLevel): readonly string[] {
    let normalized = this.cache.get(level);
    if (normalized === undefined) {
      normalized = this.lines.map((line) => normalizeLine(line, level));
      this.cache.set(level, normalized);
    }
    return normalized;
  }
}

/** The indentation (leading spaces and tabs) of a line. */
export function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? "";
}
