import { sanitize } from "./ansi-style.js";
import { initialMarkdownState, renderContinuation, renderMarkdownLine, type MarkdownState } from "./markdown-line.js";

/**
 * Turns a stream of text deltas into finished, styled lines plus the one line still being written.
 * Finished lines never change again (they go to static output); only the partial line is rendered
 * anew each frame. A line longer than a few screen widths (minified code, a model that never writes a
 * newline) is cut at a space near the screen width and its head finished, so the live part stays small
 * whatever the model sends.
 */
export class MarkdownStream {
  private state: MarkdownState = initialMarkdownState;
  private partial = "";
  /** The partial line is the rest of a line cut for width: not the start of a markdown line. */
  private continued = false;
  private renderedPartial: string | undefined = "";

  /** `width` gives the terminal's columns when asked (it may change while the answer streams). */
  constructor(private readonly width: () => number) {}

  /** Adds text; returns the lines it finished, styled. */
  push(text: string): string[] {
    const clean = sanitize(text);
    if (clean === "") return [];
    this.renderedPartial = undefined;
    const finished: string[] = [];
    let rest = this.partial + clean;
    let newline = rest.indexOf("\n");
    while (newline !== -1) {
      finished.push(this.finish(rest.slice(0, newline)));
      this.continued = false;
      rest = rest.slice(newline + 1);
      newline = rest.indexOf("\n");
    }
    const width = Math.max(20, this.width());
    while (rest.length > width * 3) {
      const cut = cutPoint(rest, width);
      finished.push(this.finish(rest.slice(0, cut)));
      this.continued = true;
      rest = rest.slice(cut);
    }
    this.partial = rest;
    return finished;
  }

  /** The line being written, styled as it would be if it ended now ("" when none). */
  partialLine(): string {
    this.renderedPartial ??= this.partial === "" ? "" : this.render(this.partial).text;
    return this.renderedPartial;
  }

  /** Whether any text has been pushed since the last end(). */
  get hasPartial(): boolean {
    return this.partial !== "";
  }

  /** Ends the text: the partial line (if any) is finished; the next push starts a fresh document. */
  end(): string[] {
    const last = this.partial === "" ? [] : [this.finish(this.partial)];
    this.partial = "";
    this.continued = false;
    this.renderedPartial = "";
    this.state = initialMarkdownState;
    return last;
  }

  private finish(line: string): string {
    const { text, state } = this.render(line);
    this.state = state;
    return text;
  }

  private render(line: string): ReturnType<typeof renderMarkdownLine> {
    return this.continued ? renderContinuation(line, this.state) : renderMarkdownLine(line, this.state);
  }
}

/** Where to cut a long line: the last space within the width, else the width itself. */
function cutPoint(text: string, width: number): number {
  const space = text.lastIndexOf(" ", width);
  return space > width / 2 ? space + 1 : width;
}
