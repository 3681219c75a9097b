/**
 * Generated markdown for differential tests of code that cuts a model's streamed text: lists (loose,
 * nested, ordered, with fences in their items and on their marker line), quotes, fences of ``` and ~~~
 * of several lengths and indents (closed, closed by the wrong marker, unclosed), indented code, HTML
 * blocks (closed and not), tables, setext and ATX headings, thematic breaks and CRLF line ends. No link
 * reference definitions: those apply to the whole document, which no block-by-block renderer can match.
 */
import fc from "fast-check";

const word = fc.constantFrom("alpha", "`code`", "**bold**", "_em_", "<span>x</span>", "a|b", "1.", "-", "#", "[x]", "~~~", "```", "\\*", "&amp;");
const text = fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => words.join(" "));
const indent = fc.constantFrom("", "", "", " ", "  ", "   ", "    ", "     ", "      ");
const fenceMarker = fc.constantFrom("```", "```", "~~~", "````", "~~~~");
const info = fc.constantFrom("", "js", "ts", "html", "mermaid", "python title=x", "SVG", "`x`");

/** A fence: its opening line, some lines (one of them fence-like), and maybe a closing line of some sort. */
const fence = fc
  .record({
    open: fenceMarker,
    info,
    openIndent: indent,
    body: fc.array(fc.oneof(text, fc.constantFrom("", "```", "~~~", "  ```js", "    ````")), { maxLength: 3 }),
    close: fc.constantFrom("same", "same", "longer", "shorter", "other", "none", "text after"),
    closeIndent: indent,
  })
  .map(({ open, info: lang, openIndent, body, close, closeIndent }) => {
    const char = open[0] ?? "`";
    const closing = { same: open, longer: `${open}${char}`, shorter: char.repeat(2), other: char === "`" ? "~~~" : "```", none: undefined, "text after": `${open} x` }[close];
    return [`${openIndent}${open}${lang}`, ...body.map((line) => `${openIndent}${line}`), ...(closing === undefined ? [] : [`${closeIndent}${closing}`])].join("\n");
  });

const leaf = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 3, arbitrary: fence },
  { weight: 1, arbitrary: fc.constantFrom("# Heading", "### h3 ###", "Title\n=====", "Sub\n---", "***", "---", "    indented code", "\ttabbed code") },
  { weight: 1, arbitrary: fc.constantFrom("<div>\n<p>html</p>\n</div>", "<!-- a comment\nstill", "<pre>\n  pre\n\n</pre>", "<details>\n\n*md* inside\n\n</details>") },
  { weight: 1, arbitrary: fc.constantFrom("| a | b |\n| - | :-: |\n| 1 | 2 |", "a | b\n--|--\nc | d", "| lone |") },
);

/** Prefixes every line of `block` but the first with `continuation` (a list item's or a quote's). */
function nest(first: string, continuation: string, block: string): string {
  return block
    .split("\n")
    .map((line, i) => (i === 0 ? `${first}${line}` : line === "" ? "" : `${continuation}${line}`))
    .join("\n");
}

const block: fc.Arbitrary<string> = fc.letrec<{ block: string }>((tie) => ({
  block: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: leaf },
    {
      weight: 2,
      arbitrary: fc
        .record({
          marker: fc.constantFrom("- ", "* ", "1. ", "2) ", "-   "),
          // Extra indent beyond the marker's width: 0 is the item's own content; 2 makes a 4-space fence.
          extra: fc.constantFrom("", "", " ", "  "),
          items: fc.array(fc.array(tie("block"), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 }),
          loose: fc.boolean(),
        })
        .map(({ marker, extra, items, loose }) =>
          items
            .map((parts) => nest(marker, " ".repeat(marker.length) + extra, parts.join(loose ? "\n\n" : "\n")))
            .join(loose ? "\n\n" : "\n"),
        ),
    },
    { weight: 1, arbitrary: tie("block").map((inner) => nest("> ", "> ", inner)) },
  ),
})).block;

/** A document: blocks separated by zero to two blank lines, maybe with CRLF line ends and no final newline. */
export const markdownDocument: fc.Arbitrary<string> = fc
  .record({
    blocks: fc.array(fc.tuple(block, fc.constantFrom("\n", "\n\n", "\n\n\n")), { minLength: 1, maxLength: 5 }),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
  })
  .map(({ blocks, crlf, finalNewline }) => {
    const joined = blocks.map(([text, gap], i) => (i === blocks.length - 1 ? text : text + gap)).join("");
    const whole = finalNewline ? `${joined}\n` : joined;
    return crlf ? whole.replace(/\n/g, "\r\n") : whole;
  });

/** Cuts `text` into pieces at `cuts` (positions, any order, repeats allowed). */
export function cutAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((cut) => Math.min(text.length, cut)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const point of [...points, text.length]) {
    if (point > from) pieces.push(text.slice(from, point));
    from = Math.max(from, point);
  }
  return pieces;
}
