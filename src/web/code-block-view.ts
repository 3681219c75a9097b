import { actionButton, copyText, flashLabel } from "./block-actions.js";
import type { BlockView } from "./block-view.js";
import type { Highlighter } from "./code-highlight.js";
import type { Block } from "./markdown-blocks.js";

/**
 * A fenced code block: plain text while it streams (cheap at thousands of tokens a second), highlighted
 * once when its closing fence arrives.
 */
export class CodeBlockView implements BlockView {
  readonly element = document.createElement("figure");
  private readonly code = document.createElement("code");
  private readonly label = document.createElement("figcaption");
  private source = "";

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
    pre.append(this.code);
    this.element.append(toolbar, pre);
  }

  update(block: Block, final: boolean): void {
    if (block.kind !== "fence") return;
    this.source = block.code;
    this.label.textContent = block.lang || "code";
    if (final) {
      this.code.className = "hljs";
      this.code.innerHTML = this.highlight(block.code, block.lang);
    } else {
      this.code.textContent = block.code;
    }
  }
}
