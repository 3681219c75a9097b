import { paint } from "./ansi-style.js";
import { grammarFor, highlightLine, type CodeState, type Grammar } from "./highlight-code.js";

/**
 * Markdown for a terminal, one line at a time: headings, lists, quotes, rules, fenced code (with
 * highlighting), and inline code, bold, italics, strike-through and links. Line-oriented on purpose:
 * a streamed answer's finished lines can be styled once and moved to static output, and only the line
 * still being written is re-rendered. The only state across lines is whether a fence is open.
 */

export interface MarkdownState {
  fence: { marker: string; language: string; grammar: Grammar | undefined; code: CodeState } | undefined;
}

export const initialMarkdownState: MarkdownState = { fence: undefined };

// A backtick fence's info string has no backtick (CommonMark): "```x`y" is inline code, not a fence.
const FENCE = /^(\s*)(`{3,}(?=[^`]*$)|~{3,})\s*([^\s`]*)/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^(\s*)>\s?(.*)$/;
const LIST = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TASK = /^\[([ xX])\]\s+(.*)$/;

const INLINE_CODE = /(`+)(.+?)\1/g;
const LINK = /\[([^\]\n]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
const BOLD = /(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g;
const ITALIC_STAR = /(^|[^*\w])\*(?=[^\s*])([^*]+?)(?<=\S)\*(?!\*)/g;
const ITALIC_UNDERSCORE = /(^|[^_\w])_(?=[^\s_])([^_]+?)(?<=\S)_(?![_\w])/g;
const STRIKE = /~~(?=\S)(.+?)(?<=\S)~~/g;

function inlineText(text: string): string {
  return text
    .replace(LINK, (_match, label: string, url: string) => `${paint.underline(paint.blue(label))}${paint.dim(` (${url})`)}`)
    .replace(BOLD, (_match, _marker: string, inner: string) => paint.bold(inner))
    .replace(ITALIC_STAR, (_match, before: string, inner: string) => `${before}${paint.italic(inner)}`)
    .replace(ITALIC_UNDERSCORE, (_match, before: string, inner: string) => `${before}${paint.italic(inner)}`)
    .replace(STRIKE, (_match, inner: string) => paint.dim(inner));
}

/** Inline markdown: code spans first (nothing inside them is styled), then the rest. */
export function renderInline(text: string): string {
  if (!/[`*_[~]/.test(text)) return text;
  let out = "";
  let last = 0;
  for (const match of text.matchAll(INLINE_CODE)) {
    out += inlineText(text.slice(last, match.index));
    out += paint.cyan(match[2] ?? "");
    last = match.index + match[0].length;
  }
  return out + inlineText(text.slice(last));
}

function renderBlockLine(line: string): string {
  const heading = HEADING.exec(line);
  if (heading) {
    const level = (heading[1] as string).length;
    const text = renderInline(heading[2] ?? "");
    return level <= 2 ? paint.bold(paint.cyan(text)) : paint.bold(text);
  }
  if (RULE.test(line)) return paint.dim("─".repeat(40));
  const quote = QUOTE.exec(line);
  if (quote) return `${quote[1] ?? ""}${paint.dim("│ ")}${paint.italic(renderInline(quote[2] ?? ""))}`;
  const list = LIST.exec(line);
  if (list) {
    const [, indent = "", marker = "", rest = ""] = list;
    const task = TASK.exec(rest);
    if (task) return `${indent}${bullet(marker)} ${task[1] === " " ? "☐" : paint.green("☑")} ${renderInline(task[2] ?? "")}`;
    return `${indent}${bullet(marker)} ${renderInline(rest)}`;
  }
  return renderInline(line);
}

/** Renders one line (without its newline) and returns the state for the next line. */
export function renderMarkdownLine(line: string, state: MarkdownState): { text: string; state: MarkdownState } {
  const { fence } = state;
  if (fence) {
    // Closed by a run of the opening character at least as long, and nothing else (```~~~ closes nothing).
    const trimmed = line.trim();
    if (trimmed.length >= fence.marker.length && [...trimmed].every((char) => char === fence.marker[0])) {
      return { text: paint.dim(line), state: initialMarkdownState };
    }
    return codeLine(line, state);
  }
  const open = FENCE.exec(line);
  if (open) return { text: paint.dim(line), state: fenceState(open) };
  // A fence opened on a list item's own line ("- ```js"): its code and its indented closing line are
  // the item's; read as text, the closing line would open a fence that swallowed the rest of the answer.
  const item = LIST.exec(line);
  const itemFence = item ? FENCE.exec(item[3] ?? "") : null;
  if (item && itemFence) return { text: `${item[1] ?? ""}${bullet(item[2] ?? "")} ${paint.dim(item[3] ?? "")}`, state: fenceState(itemFence) };
  return { text: renderBlockLine(line), state };
}

function fenceState(open: RegExpExecArray): MarkdownState {
  const marker = open[2] as string;
  const language = open[3] ?? "";
  return { fence: { marker, language, grammar: grammarFor(language), code: { inBlockComment: false } } };
}

/**
 * The rest of a line cut for width (markdown-stream.ts): inline markdown only, or code inside a fence; it
 * starts mid-line, so what looks like a fence, heading or list marker there is the line's text.
 */
export function renderContinuation(piece: string, state: MarkdownState): { text: string; state: MarkdownState } {
  return state.fence ? codeLine(piece, state) : { text: renderInline(piece), state };
}

/** A line of the open fence's code, highlighted in its language when known. */
function codeLine(line: string, state: MarkdownState): { text: string; state: MarkdownState } {
  const { fence } = state;
  if (!fence?.grammar) return { text: line, state };
  const highlighted = highlightLine(line, fence.grammar, fence.code);
  return { text: highlighted.text, state: highlighted.state === fence.code ? state : { fence: { ...fence, code: highlighted.state } } };
}

function bullet(marker: string): string {
  return /\d/.test(marker) ? paint.dim(marker) : paint.dim("•");
}
