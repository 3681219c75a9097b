import { getDefaults, Lexer, Marked, type Token } from "marked";
import { escapeHtml } from "./escape-html.js";

/**
 * The one markdown grammar of the page: the options every render and the block splitter share, so the
 * splitter cuts an answer exactly where marked's own lexer ends a top-level block (a hand-written line
 * scanner that did not know list context cut fences in list items apart from their item).
 */
const MARKDOWN_OPTIONS = { gfm: true } as const;

/** A fenced block's language: the first word of its info string, lower-cased (```TS title=x → "ts"). */
export function fenceLanguage(info: string | undefined): string {
  return (info ?? "").split(/\s/)[0]?.toLowerCase() ?? "";
}

/**
 * Code inside a quote or a list: escaped here, highlighted later off the main thread by its block view
 * (markdown-block-view.ts); highlighting here would run on every streamed frame, on the main thread,
 * where a hostile block can take highlight.js seconds. One final newline is dropped, as marked's own
 * renderer does: marked leaves it on indented code that more text follows, and not on the same code at
 * the end of the text, so the block read alone would differ from the block read in its answer.
 */
export function codeHtml(code: string, language: string): string {
  return `<pre><code data-lang="${escapeHtml(language)}">${escapeHtml(code.replace(/\n$/, ""))}</code></pre>`;
}

/** marked, set up as the page renders an answer's markdown (before sanitising). */
export function createMarked(): Marked {
  return new Marked({ ...MARKDOWN_OPTIONS, renderer: { code: ({ text, lang }) => codeHtml(text, fenceLanguage(lang)) } });
}

/** A top-level block of markdown and where its text starts and ends. */
export interface PlacedToken {
  token: Token;
  start: number;
  end: number;
}

/** The top-level blocks of a text, and how far the lexer read it (less than its length where it gave up). */
export interface Lexed {
  blocks: PlacedToken[];
  readTo: number;
}

/**
 * The top-level blocks of `text` as marked's lexer reads it (block level only: inline parsing is left to
 * the render), blank runs left out. The lexer recurses once per level of nesting, and a line of a few
 * thousand ">" or "- " overflows the stack: then the blocks are those it finished before the one it gave
 * up on, and `readTo` is where that one starts. A new lexer each time: a lexer keeps what it queued for
 * inline parsing.
 */
export function topLevelBlocks(text: string): Lexed {
  const tokens: Token[] = [];
  let complete = true;
  try {
    new Lexer({ ...getDefaults(), ...MARKDOWN_OPTIONS }).blockTokens(text, tokens);
  } catch {
    complete = false;
  }
  const blocks: PlacedToken[] = [];
  let start = 0;
  for (const token of tokens) {
    const end = start + token.raw.length;
    if (token.type !== "space") blocks.push({ token, start, end });
    start = end;
  }
  return { blocks, readTo: complete ? text.length : start };
}
