/**
 * Splits streaming markdown into top-level blocks as text arrives, so the page renders a finished block
 * once and re-renders only the block still being written. A block is a run of lines up to a blank line,
 * or a fenced code block (``` or ~~~) from its opening to its closing fence. Only new text is scanned.
 */

export type Block =
  | { index: number; kind: "markdown"; text: string }
  | { index: number; kind: "fence"; lang: string; code: string; closed: boolean };

export interface SplitResult {
  /** Blocks that ended since the last push, in order; each is final. */
  finished: Block[];
  /** The block still being written, if any. */
  tail: Block | undefined;
}

interface OpenFence {
  marker: string;
  lang: string;
  lines: string[];
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;

export class BlockSplitter {
  private partialLine = "";
  private lines: string[] = [];
  private fence: OpenFence | undefined;
  private nextIndex = 0;
  private finished: Block[] = [];

  /** Adds text; returns the blocks finished by it and the current tail. */
  push(text: string): SplitResult {
    const parts = (this.partialLine + text).split("\n");
    this.partialLine = parts.pop() ?? "";
    for (const line of parts) this.takeLine(line);
    return this.drain(this.currentTail());
  }

  /** The stream ended: whatever is open becomes final. */
  end(): SplitResult {
    if (this.partialLine !== "") this.takeLine(this.partialLine);
    this.partialLine = "";
    if (this.fence) this.finishFence(false);
    this.finishMarkdown();
    return this.drain(undefined);
  }

  private drain(tail: Block | undefined): SplitResult {
    const finished = this.finished;
    this.finished = [];
    return { finished, tail };
  }

  private takeLine(line: string): void {
    if (this.fence) {
      if (this.closesFence(line)) this.finishFence(true);
      else this.fence.lines.push(line);
      return;
    }
    const opening = FENCE_OPEN.exec(line);
    if (opening) {
      this.finishMarkdown();
      this.fence = { marker: opening[1] ?? "```", lang: (opening[2] ?? "").toLowerCase(), lines: [] };
    } else if (line.trim() === "") {
      this.finishMarkdown();
    } else {
      this.lines.push(line);
    }
  }

  private closesFence(line: string): boolean {
    const fence = this.fence;
    if (!fence) return false;
    const trimmed = line.trim();
    const char = fence.marker[0] ?? "`";
    return trimmed.length >= fence.marker.length && /^ {0,3}\S/.test(line) && [...trimmed].every((c) => c === char);
  }

  private finishFence(closed: boolean): void {
    const fence = this.fence;
    if (!fence) return;
    this.finished.push({ index: this.nextIndex++, kind: "fence", lang: fence.lang, code: fence.lines.join("\n"), closed });
    this.fence = undefined;
  }

  private finishMarkdown(): void {
    if (this.lines.length === 0) return;
    this.finished.push({ index: this.nextIndex++, kind: "markdown", text: this.lines.join("\n") });
    this.lines = [];
  }

  private currentTail(): Block | undefined {
    if (this.fence) {
      const lines = this.partialLine === "" ? this.fence.lines : [...this.fence.lines, this.partialLine];
      return { index: this.nextIndex, kind: "fence", lang: this.fence.lang, code: lines.join("\n"), closed: false };
    }
    const lines = this.partialLine === "" ? this.lines : [...this.lines, this.partialLine];
    if (lines.length === 0) return undefined;
    return { index: this.nextIndex, kind: "markdown", text: lines.join("\n") };
  }
}
