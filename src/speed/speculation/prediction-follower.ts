import { TokenPredictor, type Token } from "node-llama-cpp";

/** How many of the latest output tokens must match the prediction to re-synchronise after a divergence. */
const syncLength = 3;
const tailLength = 64;

/**
 * Drafts the next tokens from a predicted output (OpenAI's Predicted Outputs, or the old file text of
 * an edit). It follows the prediction while the output agrees, and after the output diverges (an
 * insertion, a deletion, a changed line) it finds the latest output tokens in the prediction again and
 * carries on from there, so one change does not end speculation for the rest of the file.
 */
export class PredictionFollower extends TokenPredictor {
  private target: Token[] = [];
  /** Where each `syncLength`-gram of the target starts, for re-synchronising in O(1). */
  private index = new Map<string, number[]>();
  private tail: Token[] = [];
  /** Position in the target of the next expected output token; undefined while out of sync. */
  private position: number | undefined;
  /** Where the last sync ended, to prefer the nearest match when a region repeats. */
  private lastPosition = 0;

  constructor(private readonly maxDraft: number = 16) {
    super();
  }

  /** Sets the prediction for the next request; the output is expected to start with it. */
  setTarget(tokens: readonly Token[]): void {
    this.target = [...tokens];
    this.index = new Map();
    for (let start = 0; start + syncLength <= tokens.length; start++) {
      const key = tokens.slice(start, start + syncLength).join(",");
      const starts = this.index.get(key);
      if (starts) starts.push(start);
      else this.index.set(key, [start]);
    }
    this.position = tokens.length > 0 ? 0 : undefined;
    this.lastPosition = 0;
  }

  reset({ stateTokens }: { stateTokens: Token[] }): void {
    this.tail = stateTokens.slice(-tailLength);
  }

  pushTokens(tokens: Token[]): void {
    for (const token of tokens) {
      this.tail.push(token);
      if (this.position !== undefined && this.target[this.position] === token) this.position++;
      else {
        if (this.position !== undefined) this.lastPosition = this.position;
        this.position = undefined;
      }
    }
    if (this.tail.length > tailLength * 2) this.tail = this.tail.slice(-tailLength);
  }

  predictTokens(): Token[] {
    this.position ??= this.resync();
    if (this.position === undefined) return [];
    return this.target.slice(this.position, this.position + this.maxDraft);
  }

  /** The target position right after the latest output tokens, nearest to where we last were. */
  private resync(): number | undefined {
    if (this.tail.length < syncLength) return undefined;
    const starts = this.index.get(this.tail.slice(-syncLength).join(","));
    if (!starts) return undefined;
    // Strictly past where the output last left the prediction, so a repeated region cannot trap it.
    const ahead = starts.find((start) => start + syncLength > this.lastPosition);
    const start = ahead ?? (starts.at(-1) as number);
    return start + syncLength;
  }
}
