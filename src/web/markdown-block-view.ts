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
  /** Nodes made ahead of the frame that shows them (in idle time), and the text they were made from. */
  private prepared: { text: string; nodes: DocumentFragment } | undefined;

  constructor(
    private readonly toNodes: MarkdownToNodes,
    private readonly highlight: AsyncHighlighter,
  ) {
    this.element.className = "md-block";
  }

  /** Makes the nodes of `block` now, for the next update with the same text to show. */
  prepare(block: Block): void {
    if (block.kind !== "markdown" || block.text === this.rendered || this.prepared?.text === block.text) return;
    this.prepared = { text: block.text, nodes: this.toNodes(block.text) };
  }

  update(block: Block, final: boolean): void {
    if (block.kind !== "markdown") return;
    if (block.text !== this.rendered) {
      this.rendered = block.text;
      const prepared = this.prepared;
      this.prepared = undefined;
      this.element.replaceChildren(prepared?.text === block.text ? prepared.nodes : this.toNodes(block.text));
    }
    if (!final || this.highlighted) return;
    this.highlighted = true;
    for (const code of this.element.querySelectorAll<HTMLElement>("pre > code[data-lang]")) highlightInto(code, code.textContent ?? "", code.dataset.lang ?? "", this.highlight);
  }
}
