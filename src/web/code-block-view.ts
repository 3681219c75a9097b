import { actionButton, copyText, flashLabel } from "./block-actions.js";
import type { BlockView } from "./block-view.js";
import { whenIdle } from "./idle.js";
import type { Block } from "./markdown-blocks.js";
import { highlightedNodes, type AsyncHighlighter } from "./worker-highlighter.js";

/** A highlighted block is shown in idle time, at the latest this long after its markup came back. */
const HIGHLIGHT_TIMEOUT_MS = 500;
/** The idle time showing it wants left before it starts (parsing the markup: under 1 ms for a short block, more for long ones). */
const HIGHLIGHT_BUDGET_MS = 4;

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
    void this.highlight(block.code, block.lang).then((html) => whenIdle(() => this.show(html), HIGHLIGHT_TIMEOUT_MS, HIGHLIGHT_BUDGET_MS));
  }

  /** Highlighted markup replaces the plain text only if it is nothing but spans and text. */
  private show(html: string): void {
    const nodes = highlightedNodes(html);
    if (!nodes) return;
    this.code.className = "hljs";
    this.code.replaceChildren(nodes);
  }
}
