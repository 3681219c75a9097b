import type { BlockView } from "./block-view.js";
import type { Block } from "./markdown-blocks.js";
import type { MarkdownToNodes } from "./markdown-html.js";

/** A paragraph, list, heading, table…: re-rendered from its text (sanitised) on each update. */
export class MarkdownBlockView implements BlockView {
  readonly element = document.createElement("div");
  private rendered = "";

  constructor(private readonly toNodes: MarkdownToNodes) {
    this.element.className = "md-block";
  }

  update(block: Block, _final: boolean): void {
    if (block.kind !== "markdown" || block.text === this.rendered) return;
    this.rendered = block.text;
    this.element.replaceChildren(this.toNodes(block.text));
  }
}
