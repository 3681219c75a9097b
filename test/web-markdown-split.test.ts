/**
 * The web UI's block splitter (src/web/markdown-blocks.ts) against marked itself, on generated markdown
 * (test/support/markdown-documents.ts) cut into pieces at generated places: the page shows an answer
 * block by block, and that must look exactly as marked renders the whole answer, however it streamed in.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BlockSplitter, type Block } from "../src/web/markdown-blocks.js";
import { codeHtml, createMarked } from "../src/web/markdown-grammar.js";
import { cutAt, markdownDocument } from "./support/markdown-documents.js";

function feed(pieces: string[]): Block[] {
  const splitter = new BlockSplitter();
  const finished = pieces.flatMap((piece) => splitter.push(piece).finished);
  return [...finished, ...splitter.end().finished];
}

const marked = createMarked();
/** A block as the page renders it: markdown by marked, a fence as marked renders code (before its view takes over). */
const render = (block: Block) => (block.kind === "markdown" ? marked.parse(block.text, { async: false }) : codeHtml(block.code, block.lang));
const renderWhole = (text: string) => marked.parse(text, { async: false });

describe("the block splitter against marked (generated documents)", () => {
  it("renders, block by block, what marked renders of the whole text, however the text arrives", () => {
    fc.assert(
      fc.property(markdownDocument, fc.array(fc.nat({ max: 400 }), { maxLength: 12 }), (text, cuts) => {
        const whole = feed([text]);
        expect(whole.map(render).join("")).toBe(renderWhole(text));
        expect(feed(cutAt(text, cuts))).toEqual(whole);
      }),
      { seed: 33, numRuns: 400 },
    );
  });

  it("does the same after a block long enough to be lexed again only as it grows by an eighth", () => {
    const longList = Array.from({ length: 700 }, (_, i) => `- item ${i} with \`code\`\n\n`).join("");
    fc.assert(
      fc.property(markdownDocument, fc.integer({ min: 200, max: 900 }), (tail, size) => {
        const text = `${longList}${tail}`;
        const splitter = new BlockSplitter();
        const shown: string[] = [];
        for (let at = 0; at < text.length; at += size) {
          const { finished, tail: open } = splitter.push(text.slice(at, at + size));
          shown.push(...finished.map(render));
          if (at % (size * 8) === 0) expect([...shown, ...(open ? [render(open)] : [])].join("")).toBe(renderWhole(text.slice(0, at + size).replace(/\r$/, "")));
        }
        shown.push(...splitter.end().finished.map(render));
        expect(shown.join("")).toBe(renderWhole(text));
      }),
      { seed: 39, numRuns: 15 },
    );
  });

  it("gives every tail the text received so far, rendered as marked renders that much of the answer", () => {
    fc.assert(
      fc.property(markdownDocument, fc.array(fc.nat({ max: 400 }), { minLength: 1, maxLength: 6 }), (text, cuts) => {
        const splitter = new BlockSplitter();
        const shown: string[] = [];
        let received = "";
        for (const piece of cutAt(text, cuts)) {
          received += piece;
          const { finished, tail } = splitter.push(piece);
          shown.push(...finished.map(render));
          const visible = [...shown, ...(tail ? [render(tail)] : [])].join("");
          // A line still arriving ends in "\r" only until its "\n" comes; marked reads "\r" as a line end.
          expect(visible).toBe(renderWhole(received.replace(/\r$/, "")));
        }
      }),
      { seed: 34, numRuns: 300 },
    );
  });
});
