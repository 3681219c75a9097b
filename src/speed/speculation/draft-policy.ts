/**
 * How many tokens the next draft may have. Two rules:
 *
 * - Length: drafts start short, double while fully accepted (up to the cap), halve after a partial
 *   rejection and quarter after a full one (a first draft that misses is followed by one-token drafts).
 *   The first fully accepted draft of at least `initialLength` tokens in a request jumps straight to the
 *   longest draft: it shows the source follows the output, and the doubling ramp in between (batches of
 *   9 and 17) costs 80-95 ms of CPU per token on the real-shape model at 1 thread against 66 for a batch
 *   of 33 (bench/speed/verify-cost.ts), which was 5-8% of a 128-token rewrite.
 * - Allowance: rejected draft tokens are paid from an allowance that starts at the first draft and two
 *   one-token drafts (a prediction whose start differs from the output still gets going), grows by
 *   `allowancePerToken` per generated token and by one per accepted draft token, and is capped; that
 *   jump adds one longest draft to it, once per request, so a source that matches for a few tokens and
 *   then never again wastes at most one longest draft more. A draft is never longer than the allowance,
 *   and none is made while it is below one token.
 *
 * So a useless source loses its first drafts and then only a one-token probe every 1/allowancePerToken
 * tokens; on a model bound by memory bandwidth, where a rejected token costs a fraction of a decode
 * step, that keeps decoding within a few percent of plain (the target: never below 0.95x). A
 * good source earns allowance with every accepted token, so an edit point that rejects one draft does
 * not stop speculation for the rest of the file; and after a long good run turns bad, the cap limits
 * what the bad run may waste before probing takes over.
 */
export interface DraftPolicyOptions {
  /** Length of a request's first draft. */
  initialLength: number;
  /** Rejected draft tokens a request may spend before any draft has been accepted. */
  initialAllowance: number;
  /**
   * Longest draft. On the real-shape CPU model (bench/speed/verify-cost.ts, quiet, 2 threads) a batch of 32
   * verifies 29 tokens/s against 26 for 16 and 22 for 8: a long rewrite that keeps being accepted is
   * fastest with the longest drafts, as llama.cpp's server `--draft-max` and Cursor's speculative edits do.
   * Reaching 32 takes 28 accepted tokens first (4 + 8 + 16), and a miss at that length is paid from the
   * allowance, which its cap bounds.
   */
  maxLength: number;
  /** Rejected draft tokens a request may add per generated token: the re-probe rate of a useless source. */
  allowancePerToken: number;
  /**
   * Most rejected draft tokens that may be saved up: twice the longest draft, so a full miss at an edit
   * point of a long accepted run leaves enough to draft on once the prediction is found again (the miss
   * quarters the length, so a bad run that follows wastes 32 + 8 + 2 + 1 tokens before probing takes over).
   */
  maxAllowance: number;
}

export const defaultDraftPolicy: DraftPolicyOptions = { initialLength: 4, initialAllowance: 6, maxLength: 32, allowancePerToken: 1 / 32, maxAllowance: 64 };

export class DraftPolicy {
  private length: number;
  private allowance: number;
  /** Whether this request already jumped to the longest draft. */
  private jumped = false;

  constructor(private readonly options: DraftPolicyOptions = defaultDraftPolicy) {
    this.length = options.initialLength;
    this.allowance = options.initialAllowance;
  }

  /** Back to a fresh request's state. */
  begin(): void {
    this.length = this.options.initialLength;
    this.allowance = this.options.initialAllowance;
    this.jumped = false;
  }

  /** Longest draft allowed now; 0 holds drafting back. */
  nextLength(): number {
    return Math.min(this.length, Math.floor(this.allowance));
  }

  /** `count` tokens were generated (accepted drafts included). */
  generated(count: number): void {
    this.add(count * this.options.allowancePerToken);
  }

  /** A draft of `drafted` tokens was settled with its first `accepted` tokens taken. */
  settled(drafted: number, accepted: number): void {
    if (drafted === 0) return;
    this.add(accepted - (drafted - accepted));
    if (accepted === drafted && !this.jumped && drafted >= this.options.initialLength) {
      this.jumped = true;
      this.add(this.options.maxLength);
      this.length = this.options.maxLength;
    } else if (accepted === drafted) this.length = Math.min(this.options.maxLength, this.length * 2);
    else this.length = Math.max(1, Math.floor(this.length / (accepted === 0 ? 4 : 2)));
  }

  private add(tokens: number): void {
    this.allowance = Math.max(0, Math.min(this.options.maxAllowance, this.allowance + tokens));
  }
}
