import type { ClosestRegion } from "./closest-region.js";
import type { Hunk } from "./patch-types.js";
import type { LineRange } from "./match-hunk.js";

/** What happened to one hunk: where it applied and how it matched, or why it was refused. */

export type MatchStrategy = "exact" | "trailing-whitespace" | "indentation" | "whitespace" | "unicode" | "insertion";

export interface HunkOutcome {
  /** 0-based position of the hunk in its operation. */
  index: number;
  sourceLine: number;
  status: "applied" | "failed";
  matchedBy?: MatchStrategy;
  /** 1-based line of the original file where the hunk applied. */
  fileLine?: number;
  /** Further facts a caller may want to show: header used as anchor, out-of-order hunk, header not found. */
  notes: string[];
  error?: HunkError;
}

export interface HunkError {
  /** no_op: the hunk's old and new text are the same, so applying it would change nothing. */
  code: "no_match" | "ambiguous" | "no_op";
  message: string;
  /** 1-based lines where an ambiguous hunk matched. */
  candidates?: number[];
  closest?: ClosestRegion;
}

/** Lines one applied hunk puts in place of others; applied bottom-up once every hunk is placed. */
export interface Splice {
  start: number;
  deleteCount: number;
  lines: string[];
  order: number;
}

/** What applying one hunk gave: its outcome, its splices, and where the next hunk's search starts. */
export interface Step {
  outcome: HunkOutcome;
  splices: Splice[];
  cursor: number;
  added: number;
  removed: number;
}

/** How far the hunks so far are: where the last one ended, what they replaced, how far off their line numbers were. */
export interface ApplyState {
  cursor: number;
  claimed: LineRange[];
  /** Where hunks were found minus where their line numbers said: applied to the next hunk's number. */
  hintOffset: number;
  /** Every hunk's old and new text are the same: the edit would change nothing, so each is refused. */
  noOp: boolean;
}

export function failedStep(hunk: Hunk, index: number, cursor: number, error: HunkError): Step {
  return { outcome: { index, sourceLine: hunk.sourceLine, status: "failed", notes: [], error }, splices: [], cursor, added: 0, removed: 0 };
}
