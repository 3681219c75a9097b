import { describe, expect, it } from "vitest";
import { BlockSplitter, type Block } from "./markdown-blocks.js";
import { codeHtml, createMarked } from "./markdown-grammar.js";

function feed(pieces: string[]): { finished: Block[]; tails: (Block | undefined)[] } {
  const splitter = new BlockSplitter();
  const finished: Block[] = [];
  const tails: (Block | undefined)[] = [];
  for (const piece of pieces) {
    const result = splitter.push(piece);
    finished.push(...result.finished);
    tails.push(result.tail);
  }
  finished.push(...splitter.end().finished);
  return { finished, tails };
}

const bySize = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

const ANSWER = "Intro **bold**\nsame paragraph\n\n```mermaid\ngraph LR\n  A --> B\n```\n\n- a\n- b\n\n~~~~html\n<p>```</p>\n~~~~\nlast";

const marked = createMarked();
/** A block as the page renders it: markdown by marked, a fence as marked renders code (before its view takes over). */
const render = (block: Block) => (block.kind === "markdown" ? marked.parse(block.text, { async: false }) : codeHtml(block.code, block.lang));
const renderWhole = (text: string) => marked.parse(text, { async: false });

describe("BlockSplitter", () => {
  it("splits paragraphs, lists and fences the same way whatever the piece size", () => {
    const expected: Block[] = [
      { index: 0, kind: "markdown", text: "Intro **bold**\nsame paragraph" },
      { index: 1, kind: "fence", lang: "mermaid", code: "graph LR\n  A --> B" },
      { index: 2, kind: "markdown", text: "- a\n- b" },
      { index: 3, kind: "fence", lang: "html", code: "<p>```</p>" },
      { index: 4, kind: "markdown", text: "last" },
    ];
    for (const size of [1, 3, 7, 1000]) expect(feed(bySize(ANSWER, size)).finished).toEqual(expected);
  });

  it("finishes a paragraph, heading or table as soon as a blank line follows it, a list or quote only when another block starts", () => {
    const splitter = new BlockSplitter();
    expect(splitter.push("A paragraph\n\n").finished).toEqual([{ index: 0, kind: "markdown", text: "A paragraph" }]);
    expect(splitter.push("## Heading\n\n| a |\n|---|\n| 1 |\n\n").finished.map((block) => block.index)).toEqual([1, 2]);
    expect(splitter.push("- loose\n\n").finished).toEqual([]);
    expect(splitter.push("- list\n\n> quote\n\n").finished).toEqual([{ index: 3, kind: "markdown", text: "- loose\n\n- list" }]);
    expect(splitter.end().finished).toEqual([{ index: 4, kind: "markdown", text: "> quote" }]);
  });

  it("shows a long line still arriving as markdown, and splits it as a short one once its line ends (CRLF cut between pushes)", () => {
    const long = "word ".repeat(4_000);
    const splitter = new BlockSplitter();
    let tail: Block | undefined;
    for (const piece of bySize(long, 330)) tail = splitter.push(piece).tail;
    expect(tail).toEqual({ index: 0, kind: "markdown", text: long });
    expect(splitter.push("end\r").finished).toEqual([]);
    expect(splitter.push("\n\r\nnext\r\n").finished).toEqual([{ index: 0, kind: "markdown", text: `${long}end` }]);
    expect(splitter.end().finished).toEqual([{ index: 1, kind: "markdown", text: "next\n" }]);
  });

  it("shows the block being written as the tail, an open fence with what it has so far, and ends a fence at its closing line", () => {
    const splitter = new BlockSplitter();
    expect(splitter.push("```svg\n<svg>").tail).toEqual({ index: 0, kind: "fence", lang: "svg", code: "<svg>" });
    expect(splitter.push("</svg>\n").tail).toEqual({ index: 0, kind: "fence", lang: "svg", code: "<svg></svg>" });
    const closed = splitter.push("```\nnext");
    expect(closed.finished).toEqual([{ index: 0, kind: "fence", lang: "svg", code: "<svg></svg>" }]);
    expect(closed.tail).toEqual({ index: 1, kind: "markdown", text: "next" });
  });

  it("ends an unclosed fence as final", () => {
    const splitter = new BlockSplitter();
    splitter.push("```html\n<button>");
    expect(splitter.end().finished).toEqual([{ index: 0, kind: "fence", lang: "html", code: "<button>" }]);
  });

  it("keeps a fence indented inside a loose list item in its item (marked reads it as the item's code)", () => {
    const text = "- first\n\n- second\n\n    ```js\n    const x = 1;\n    ```\n\nafter";
    const { finished } = feed(bySize(text, 5));
    expect(finished.map((block) => block.kind)).toEqual(["markdown", "markdown"]);
    expect(finished.map(render).join("")).toBe(renderWhole(text));
    expect(render(finished[0] as Block)).toContain('<code data-lang="js">const x = 1;</code>');
  });

  it("makes text marked's lexer cannot read (thousands of nested quotes or list markers) one block, and splits on after it", () => {
    for (const unit of [">", "- "]) {
      const deep = `${unit.repeat(10_000)}x`;
      const text = `intro\n\n${deep}\n\nafter\n\n\`\`\`js\ncode\n\`\`\`\nend`;
      for (const size of [700, text.length]) {
        const { finished } = feed(bySize(text, size));
        expect(finished.map((block) => (block.kind === "markdown" ? block.text.slice(0, 10) : block.code))).toEqual(["intro", deep.slice(0, 10), "after", "code", "end"]);
        expect(finished.find((block) => block.kind === "markdown" && block.text.startsWith(unit))).toMatchObject({ text: deep });
      }
    }
  });

  it("reads a fence opened on a list item's marker line as the item's, closed by its indented closing fence", () => {
    const text = "- ```js\n  let a = 1;\n  ```\n- next item\n\nparagraph after";
    const { finished } = feed(bySize(text, 4));
    expect(finished).toEqual([
      { index: 0, kind: "markdown", text: "- ```js\n  let a = 1;\n  ```\n- next item" },
      { index: 1, kind: "markdown", text: "paragraph after" },
    ]);
  });

});
