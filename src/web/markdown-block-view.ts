import type { BlockView } from "./block-view.js";
import type { Block } from "./markdown-blocks.js";
import type { MarkdownToNodes } from "./markdown-html.js";
import { highlightInto, type AsyncHighlighter } from "./worker-highlighter.js";

/**
 * A paragraph, list, heading, table…: re-rendered from its text (sanitised) on each update. Code inside it
 * (a fence in a quote or a list item) is highlighted once the block is final, as a code block is.
 */
export class MarkdownBlockView implements BlockView {
  readonly element = document.createElement("div");
  private rendered = "";
  private highlighted = false;

  constructor(
    private readonly toNodes: MarkdownToNodes,
    private readonly highlight: AsyncHighlighter,
  ) {
    this.element.className = "md-block";
  }

  update(block: Block, final: boolean): void {
    if (block.kind !== "markdown") return;
    if (block.text !== this.rendered) {
      this.rendered = block.text;
      this.element.replaceChildren(this.toNodes(block.text));
    }
    if (!final || this.highlighted) return;
    this.highlighted = true;
    for (const code of this.element.querySelectorAll<HTMLElement>("pre > code[data-lang]")) highlightInto(code, code.textContent ?? "", code.dataset.lang ?? "", this.highlight);
  }
}
