import { actionButton, copyText, flashLabel } from "./block-actions.js";
import type { BlockView } from "./block-view.js";
import type { Highlighter } from "./code-highlight.js";
import { whenIdle } from "./idle.js";
import type { Block } from "./markdown-blocks.js";

/** A finished block is highlighted in idle time, at the latest this long after its closing fence. */
const HIGHLIGHT_TIMEOUT_MS = 500;
/** The idle time highlighting wants left before it starts (about 1 ms for a short block, more for long ones). */
const HIGHLIGHT_BUDGET_MS = 4;

/**
 * A fenced code block: plain text while it streams (cheap at thousands of tokens a second), highlighted
 * once its closing fence has arrived, while the main thread is idle: highlighting and parsing its markup
 * cost milliseconds that, done at once, landed in the middle of the stream's frames.
 */
export class CodeBlockView implements BlockView {
  readonly element = document.createElement("figure");
  private readonly code = document.createElement("code");
  /** The plain text while streaming: one text node whose data changes, not a new node per update. */
  private readonly text = document.createTextNode("");
  private readonly label = document.createElement("figcaption");
  private source = "";
  private highlighted = false;

  constructor(private readonly highlight: Highlighter) {
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
    whenIdle(() => {
      this.code.className = "hljs";
      this.code.innerHTML = this.highlight(block.code, block.lang);
    }, HIGHLIGHT_TIMEOUT_MS, HIGHLIGHT_BUDGET_MS);
  }
}
