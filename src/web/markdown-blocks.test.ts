import { describe, expect, it } from "vitest";
import { BlockSplitter, type Block } from "./markdown-blocks.js";

function feed(text: string, pieceSize: number): { finished: Block[]; tails: (Block | undefined)[] } {
  const splitter = new BlockSplitter();
  const finished: Block[] = [];
  const tails: (Block | undefined)[] = [];
  for (let i = 0; i < text.length; i += pieceSize) {
    const result = splitter.push(text.slice(i, i + pieceSize));
    finished.push(...result.finished);
    tails.push(result.tail);
  }
  finished.push(...splitter.end().finished);
  return { finished, tails };
}

const ANSWER = "Intro **bold**\nsame paragraph\n\n```mermaid\ngraph LR\n  A --> B\n```\n\n- a\n- b\n\n~~~~html\n<p>```</p>\n~~~~\nlast";

describe("BlockSplitter", () => {
  it("splits paragraphs, lists and fences the same way whatever the piece size", () => {
    const expected: Block[] = [
      { index: 0, kind: "markdown", text: "Intro **bold**\nsame paragraph" },
      { index: 1, kind: "fence", lang: "mermaid", code: "graph LR\n  A --> B", closed: true },
      { index: 2, kind: "markdown", text: "- a\n- b" },
      { index: 3, kind: "fence", lang: "html", code: "<p>```</p>", closed: true },
      { index: 4, kind: "markdown", text: "last" },
    ];
    for (const size of [1, 3, 7, 1000]) expect(feed(ANSWER, size).finished).toEqual(expected);
  });

  it("shows the block being written as the tail, an open fence with what it has so far", () => {
    const splitter = new BlockSplitter();
    expect(splitter.push("```svg\n<svg>").tail).toEqual({ index: 0, kind: "fence", lang: "svg", code: "<svg>", closed: false });
    expect(splitter.push("</svg>\n").tail).toEqual({ index: 0, kind: "fence", lang: "svg", code: "<svg></svg>", closed: false });
    const closed = splitter.push("```\nnext");
    expect(closed.finished).toEqual([{ index: 0, kind: "fence", lang: "svg", code: "<svg></svg>", closed: true }]);
    expect(closed.tail).toEqual({ index: 1, kind: "markdown", text: "next" });
  });

  it("ends an unclosed fence as final but not closed", () => {
    const splitter = new BlockSplitter();
    splitter.push("```html\n<button>");
    expect(splitter.end().finished).toEqual([{ index: 0, kind: "fence", lang: "html", code: "<button>", closed: false }]);
  });
});
