/**
 * Applies `stop` sequences to streamed text: text is passed on as soon as it cannot be the start of a stop
 * sequence; when one appears, the text before it is the last output and the generation should end.
 */
export class StopFilter {
  private held = "";
  private readonly longest: number;
  stopped = false;

  constructor(private readonly sequences: readonly string[]) {
    this.longest = Math.max(0, ...sequences.map((sequence) => sequence.length));
  }

  /** The text that may be sent now. */
  push(text: string): string {
    if (this.stopped) return "";
    if (this.longest === 0) return text;
    const buffer = this.held + text;
    let cut = -1;
    for (const sequence of this.sequences) {
      const at = buffer.indexOf(sequence);
      if (at !== -1 && (cut === -1 || at < cut)) cut = at;
    }
    if (cut !== -1) {
      this.stopped = true;
      this.held = "";
      return buffer.slice(0, cut);
    }
    // Keep the longest tail that is a prefix of some stop sequence.
    let keep = 0;
    for (let length = Math.min(this.longest - 1, buffer.length); length > 0; length--) {
      const tail = buffer.slice(buffer.length - length);
      if (this.sequences.some((sequence) => sequence.startsWith(tail))) {
        keep = length;
        break;
      }
    }
    this.held = buffer.slice(buffer.length - keep);
    return buffer.slice(0, buffer.length - keep);
  }

  /** What is still held back when the generation ends without a stop sequence. */
  flush(): string {
    const rest = this.stopped ? "" : this.held;
    this.held = "";
    return rest;
  }
}
