/**
 * The generated patch corpus as plain data (JSON-safe), shared by the corpus test and the `edits`
 * benchmark. A case is a workspace before, a patch, and exactly what must happen.
 */

/** The main drift a case's patch carries; the benchmark reports success per kind. */
export const DRIFT_KINDS = [
  "none",
  "trailing-whitespace",
  "unicode-punctuation",
  "indentation-shift",
  "tabs-vs-spaces",
  "combined",
  "stale-context",
  "missing-context",
  "duplicated-region",
  "out-of-order",
  "anchor-header",
  "eof-blank-line",
  "truncated",
] as const;

export type DriftKind = (typeof DRIFT_KINDS)[number];

export type CaseFormat = "codex" | "search-replace";

/** What must happen to one hunk: applied where the edit meant it, or refused with this code. */
export type ExpectedHunk = "applied" | "no_match" | "ambiguous" | "no_op";

export interface ExpectedOperation {
  kind: "add" | "delete" | "update";
  path: string;
  status: "applied" | "partial" | "failed";
  /** Update operations only, in patch order. */
  hunks: ExpectedHunk[];
}

export interface ExpectedOutcome {
  status: "applied" | "partial" | "refused";
  /** The whole patch is refused before any file is looked at (it was cut off). */
  parseError: boolean;
  operations: ExpectedOperation[];
  /** Every file of the workspace afterwards, path -> exact text. */
  files: Record<string, string>;
}

export interface PatchCase {
  id: string;
  drift: DriftKind;
  /** The flavour of the drift, e.g. "spaces->tabs" or "anchored". */
  variant: string;
  format: CaseFormat;
  /** Facts about the case: "crlf", "bom", "no-final-newline", "multi-file", "added-deeper-than-context"... */
  traits: string[];
  /** The workspace before: path -> exact text. */
  files: Record<string, string>;
  patch: string;
  expected: ExpectedOutcome;
}
