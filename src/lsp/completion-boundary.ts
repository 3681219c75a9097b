/**
 * Where an inline suggestion ends. Two shapes, chosen from the cursor's line:
 * - "line": there is text after the cursor on its line, so the suggestion completes this line only and
 *   ends at the first line break; a tail that repeats the text after the cursor (a closing bracket the
 *   editor already inserted) is dropped.
 * - "block": the cursor ends its line. The suggestion may run over several lines: the rest of this line,
 *   then lines indented at least as deep as it (deeper when the line opens a block with `{`, `(`, `[` or
 *   `:`, whose closing line at the opening depth is kept, unless the text after the cursor closes it
 *   already). It ends before a line that dedents further, at a blank line, before a line the text after
 *   the cursor already has, or after `maxLines` lines.
 * `cut` is called with the text generated so far, so generation stops as soon as a boundary is reached.
 */
export interface BoundaryInput {
  linePrefix: string;
  lineSuffix: string;
  /** The text after the cursor's line (from the next line on). */
  followingText: string;
  maxLines: number;
}

export interface Cut {
  text: string;
  /** A boundary was reached: nothing generated after it can be used. */
  done: boolean;
}

const openers = /[{([:]$/;
const closers = /^[}\])]/;

function indentWidth(line: string): number {
  let width = 0;
  for (const char of line) {
    if (char === " ") width += 1;
    else if (char === "\t") width += 4;
    else break;
  }
  return width;
}

function firstContentLine(text: string): string | undefined {
  return text.split("\n").find((line) => line.trim() !== "");
}

export class CompletionBoundary {
  readonly mode: "line" | "block";
  private readonly baseIndent: number;
  private readonly opensBlock: boolean;
  private readonly nextExistingLine: string | undefined;

  constructor(private readonly input: BoundaryInput) {
    this.mode = input.lineSuffix.trim() === "" ? "block" : "line";
    this.baseIndent = indentWidth(input.linePrefix);
    this.opensBlock = openers.test(input.linePrefix.trimEnd());
    this.nextExistingLine = firstContentLine(input.lineSuffix.trim() === "" ? input.followingText : "")?.trim();
  }

  cut(generated: string, finished: boolean): Cut {
    return this.mode === "line" ? this.cutLine(generated, finished) : this.cutBlock(generated, finished);
  }

  private cutLine(generated: string, finished: boolean): Cut {
    const newline = generated.indexOf("\n");
    const done = newline >= 0 || finished;
    let text = newline >= 0 ? generated.slice(0, newline) : generated;
    if (!done) return { text, done };
    const existing = this.input.lineSuffix.trim();
    if (existing !== "" && text.trimEnd().endsWith(existing)) text = text.trimEnd().slice(0, -existing.length);
    return { text: text.trimEnd(), done: true };
  }

  private cutBlock(generated: string, finished: boolean): Cut {
    const lines = generated.split("\n");
    // The last line is still being written unless generation has ended.
    const complete = finished ? lines.length : lines.length - 1;
    const kept: string[] = [lines[0] ?? ""];
    let hasContent = (lines[0] ?? "").trim() !== "";
    for (let index = 1; index < complete; index++) {
      const line = lines[index] ?? "";
      const verdict = this.judgeLine(line, hasContent, kept.length);
      if (verdict === "stop-before") return this.finishBlock(kept);
      kept.push(line);
      if (line.trim() !== "") hasContent = true;
      if (verdict === "stop-after") return this.finishBlock(kept);
    }
    if (finished) return this.finishBlock(kept);
    return { text: lines.join("\n"), done: false };
  }

  private judgeLine(line: string, hasContent: boolean, linesSoFar: number): "keep" | "stop-before" | "stop-after" {
    if (linesSoFar >= this.input.maxLines) return "stop-before";
    const trimmed = line.trim();
    if (trimmed === "") return hasContent ? "stop-before" : "keep";
    if (this.nextExistingLine !== undefined && trimmed === this.nextExistingLine) return "stop-before";
    const indent = indentWidth(line);
    if (indent < this.baseIndent) return "stop-before";
    if (this.opensBlock && indent === this.baseIndent) return closers.test(trimmed) ? "stop-after" : "stop-before";
    return "keep";
  }

  private finishBlock(lines: string[]): Cut {
    return { text: lines.join("\n").trimEnd(), done: true };
  }
}
