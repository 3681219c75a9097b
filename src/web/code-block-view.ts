import { actionButton, copyText, flashLabel } from "./block-actions.js";
import type { BlockView } from "./block-view.js";
import type { Block } from "./markdown-blocks.js";
import { highlightInto, type AsyncHighlighter } from "./worker-highlighter.js";

/**
 * A fenced code block: plain text while it streams (cheap at thousands of tokens a second), highlighted
 * once its closing fence has arrived, in the highlighting worker, and shown while the main thread is
 * idle: parsing the markup costs a fraction of a millisecond that, done at once, would land in the middle
 * of the stream's frames.
 */
export class CodeBlockView implements BlockView {
  readonly element = document.createElement("figure");
  private readonly code = document.createElement("code");
  /** The plain text while streaming: one text node whose data changes, not a new node per update. */
  private readonly text = document.createTextNode("");
  private readonly label = document.createElement("figcaption");
  private source = "";
  private highlighted = false;

  constructor(private readonly highlight: AsyncHighlighter) {
    this.element.className = "code-block";
    const toolbar = document.createElement("div");
    toolbar.className = "block-toolbar";
    toolbar.append(
      this.label,
      actionButton("Copy", "Copy the code", async (button) => {
        await copyText(this.source);
        flashLabel(button, "Copied");
      }),
    );
    const pre = document.createElement("pre");
    this.code.append(this.text);
    pre.append(this.code);
    this.element.append(toolbar, pre);
  }

  update(block: Block, final: boolean): void {
    if (block.kind !== "fence" || this.highlighted) return;
    this.source = block.code;
    const label = block.lang || "code";
    if (this.label.textContent !== label) this.label.textContent = label;
    if (this.text.data !== block.code) this.text.data = block.code;
    if (!final) return;
    this.highlighted = true;
    highlightInto(this.code, block.code, block.lang, this.highlight);
  }
}
