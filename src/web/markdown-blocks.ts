import type { Tokens } from "marked";
import { fenceLanguage, topLevelBlocks, type PlacedToken } from "./markdown-grammar.js";

/**
 * Splits streaming markdown into top-level blocks as text arrives, so the page renders a finished block
 * once and re-renders only the block still being written. The blocks are marked's own top-level tokens
 * (markdown-grammar.ts): a list with the fences and blank lines inside its items stays one block, as
 * marked renders it whole; a top-level fenced code block is a block of its own, for the code and live views.
 *
 * Only complete lines decide where a block ends: a block is final once the lexer starts another after it
 * (no later text changes a token that another follows), for a fenced block once its closing fence line is
 * complete, and for a paragraph, heading, rule or table once a blank line follows it. Only the text since
 * the last finished block is lexed again.
 */

export type Block = { index: number; kind: "markdown"; text: string } | { index: number; kind: "fence"; lang: string; code: string };

export interface SplitResult {
  /** Blocks that ended since the last push, in order; each is final. */
  finished: Block[];
  /** The block still being written, if any. */
  tail: Block | undefined;
}

/** `token` is a fenced code block (not an indented one). */
function isFence(token: PlacedToken["token"]): token is Tokens.Code {
  return token.type === "code" && token.codeBlockStyle !== "indented";
}

/**
 * The fence's last line closes it, by marked's rule: up to three spaces, the opening run of ` or ~ (or a
 * longer one), then spaces only. A lone opening line is still open.
 */
function closesItself(fence: Tokens.Code): boolean {
  const lines = fence.raw.replace(/\n+$/, "").split("\n");
  const marker = /^ {0,3}(`{3,}|~{3,})/.exec(lines[0] ?? "")?.[1];
  return lines.length > 1 && marker !== undefined && closes(marker, lines.at(-1) ?? "");
}

/**
 * Blocks that a blank line ends for good: no later text changes a paragraph, heading, rule or table once a
 * blank line follows it (lists, quotes, indented code and HTML blocks can go on past one).
 */
const ENDED_BY_BLANK_LINE = new Set(["paragraph", "heading", "hr", "table"]);

/**
 * The open text's last block is already final: a fence whose closing line is complete, or a block that a
 * blank line ended. Without the second, a paragraph that arrived whole waited for the next block's first
 * line to be known final, and was drawn as the block being written (in a frame) instead of being
 * prepared in idle time.
 */
function endsHere(last: PlacedToken, open: string): boolean {
  if (isFence(last.token)) return closesItself(last.token);
  return ENDED_BY_BLANK_LINE.has(last.token.type) && open.slice(last.end).includes("\n\n");
}

function closes(marker: string, line: string): boolean {
  return new RegExp(`^ {0,3}${marker}${marker[0] ?? ""}* *$`).test(line);
}

/**
 * A fence still open at the start of the open text, unindented: its code is the text after its opening
 * line less one final newline, as marked reads it, so lines that cannot close it need no lexing (a long
 * code block lexed again on every frame cost 7 times the old splitter's time).
 */
interface OpenFence {
  marker: string;
  lang: string;
  /** Where its code starts in the open text. */
  codeStart: number;
}

function openFenceOf(open: string, block: PlacedToken | undefined): OpenFence | undefined {
  if (!block || !isFence(block.token)) return undefined;
  const marker = /^(`{3,}|~{3,})/.exec(open)?.[1];
  return marker === undefined ? undefined : { marker, lang: fenceLanguage(block.token.lang), codeStart: open.indexOf("\n") + 1 };
}

/**
 * Open text past which a block other than a fence (a long list, say) is lexed again only once it has grown
 * by an eighth: lexing it on every push made streaming it quadratic (a 36 KB loose list: 60 ms a push).
 * Meanwhile the tail is the whole open text as markdown, which renders the same; a block that ended in it
 * is only found final a little later.
 */
const LEX_ALWAYS_CHARS = 8_192;

export class BlockSplitter {
  /** Complete lines (CR line ends made \n) since the last finished block. */
  private open = "";
  /** The line still arriving; a trailing "\r" waits to see whether "\n" follows it. */
  private partial = "";
  /** The block left open in `open` by the last lex of it (so a push that ends on a line end lexes once). */
  private openBlock: PlacedToken | undefined;
  /** Set while the open text is an unclosed unindented fence: then openBlock is not kept up to date. */
  private openFence: OpenFence | undefined;
  /** The open text's length when it was last lexed. */
  private lexedLength = 0;
  private nextIndex = 0;

  /** Adds text; returns the blocks finished by it and the current tail. */
  push(text: string): SplitResult {
    // Only the new text (and a "\r" held back from the last push) is normalised and searched: the line
    // still arriving can be a megabyte long, and going over it again on every push was quadratic.
    const carried = this.partial.endsWith("\r") ? "\r" : "";
    const arriving = carried + text;
    const held = arriving.endsWith("\r") ? "\r" : "";
    const fresh = arriving.slice(0, arriving.length - held.length).replace(/\r\n?/g, "\n");
    const before = this.partial.slice(0, this.partial.length - carried.length);
    const normalised = before + fresh;
    const freshLineEnd = fresh.lastIndexOf("\n") + 1;
    const lineEnd = freshLineEnd === 0 ? 0 : before.length + freshLineEnd;
    this.partial = normalised.slice(lineEnd) + held;
    if (lineEnd === 0) return { finished: [], tail: this.tail() };
    const lines = normalised.slice(0, lineEnd);
    this.open += lines;
    const fence = this.openFence;
    const stillOpen = fence !== undefined && !lines.split("\n").some((line) => closes(fence.marker, line));
    return { finished: stillOpen || this.deferred() ? [] : this.settle(false), tail: this.tail() };
  }

  /** The stream ended: whatever is open becomes final. */
  end(): SplitResult {
    this.open += this.partial.replace(/\r$/, "\n");
    this.partial = "";
    return { finished: this.settle(true), tail: undefined };
  }

  /** Takes the final blocks off the start of the open text (every one at the end of the stream). */
  private settle(ended: boolean): Block[] {
    const finished: Block[] = [];
    let lexed = topLevelBlocks(this.open);
    while (lexed.readTo < this.open.length) {
      // The blocks before the one the lexer gave up on are final: another follows each.
      for (const placed of lexed.blocks) finished.push(this.blockOf(placed, this.nextIndex++));
      finished.push(this.takeUnreadable(lexed.readTo));
      lexed = topLevelBlocks(this.open);
    }
    const tokens = lexed.blocks;
    const last = tokens.at(-1);
    const lastFinal = ended || (last !== undefined && endsHere(last, this.open));
    const final = lastFinal ? tokens : tokens.slice(0, -1);
    for (const placed of final) finished.push(this.blockOf(placed, this.nextIndex++));
    this.open = lastFinal || !last ? "" : this.open.slice(last.start);
    this.openBlock = lastFinal || !last ? undefined : { ...last, start: 0, end: last.end - last.start };
    this.openFence = openFenceOf(this.open, this.openBlock);
    this.lexedLength = this.open.length;
    return finished;
  }

  /**
   * Where the lexer gave up on the open text at `from` (hostile nesting), the lines from there up to a
   * blank line become a block of its own (rendered as text where marked cannot read it either), and the
   * rest is read again: thrown instead, the lexer's error stopped the answer's rendering and its end (never
   * shown done, never saved).
   */
  private takeUnreadable(from: number): Block {
    const open = this.open.slice(from).replace(/^(?:[ \t]*\n)+/, "");
    const end = /\n[ \t]*\n/.exec(open)?.index ?? open.length;
    this.open = open.slice(end);
    return { index: this.nextIndex++, kind: "markdown", text: open.slice(0, end).replace(/\n+$/, "") };
  }

  /** The open text is a long block, not a fence, that has not grown enough to be lexed again. */
  private deferred(): boolean {
    const long = this.lexedLength > LEX_ALWAYS_CHARS && this.openBlock !== undefined && !isFence(this.openBlock.token);
    return long && this.open.length - this.lexedLength < this.lexedLength / 8;
  }

  /** The block being written: the open text and the line arriving, as one block. */
  private tail(): Block | undefined {
    const line = this.partial.endsWith("\r") ? this.partial.slice(0, -1) : this.partial;
    const text = this.open + line;
    const fence = this.openFence;
    if (fence && !closes(fence.marker, line)) return { index: this.nextIndex, kind: "fence", lang: fence.lang, code: text.slice(fence.codeStart).replace(/\n$/, "") };
    // A long line still arriving (minified code, a paragraph without line ends) is shown as markdown without
    // lexing it again on every push: 1 MB in 330-character pushes took 26 s of lexing, now well under 1 s.
    if (this.deferred() || line.length > LEX_ALWAYS_CHARS) return { index: this.nextIndex, kind: "markdown", text };
    const lexed = this.partial === "" ? undefined : topLevelBlocks(text);
    if (lexed && lexed.readTo < text.length) return { index: this.nextIndex, kind: "markdown", text };
    const tokens = lexed ? lexed.blocks : this.openBlock ? [this.openBlock] : [];
    const [first] = tokens;
    if (!first) return undefined;
    // Two blocks at once (a paragraph, then a line that may begin a fence) show as markdown until the
    // line is complete and the first of them is final.
    if (tokens.length === 1) return this.blockOf(first, this.nextIndex);
    return { index: this.nextIndex, kind: "markdown", text: text.slice(first.start) };
  }

  private blockOf({ token }: PlacedToken, index: number): Block {
    if (isFence(token)) return { index, kind: "fence", lang: fenceLanguage(token.lang), code: token.text };
    return { index, kind: "markdown", text: token.raw };
  }
}
