import type { RenderDeps } from "./block-renderers.js";
import { interactiveKind } from "./block-renderers.js";
import type { BlockView } from "./block-view.js";
import { CodeBlockView } from "./code-block-view.js";
import type { Highlighter } from "./code-highlight.js";
import { InteractiveBlock, type FullSizeViewer } from "./interactive-block.js";
import { BlockSplitter, type Block } from "./markdown-blocks.js";
import { MarkdownBlockView } from "./markdown-block-view.js";
import type { MarkdownToHtml } from "./markdown-html.js";

export interface MessageRenderDeps extends RenderDeps {
  toHtml: MarkdownToHtml;
  highlight: Highlighter;
  viewer: FullSizeViewer;
}

/**
 * One assistant answer, rendered incrementally: text is buffered and applied once per animation frame;
 * finished blocks are rendered once, and only the block still being written is rendered again.
 */
export class MessageView {
  readonly element = document.createElement("div");
  private readonly splitter = new BlockSplitter();
  private readonly views = new Map<number, { shape: string; view: BlockView }>();
  private pending = "";
  private frame: number | undefined;

  constructor(private readonly deps: MessageRenderDeps) {
    this.element.className = "message-body";
  }

  append(text: string): void {
    this.pending += text;
    this.frame ??= requestAnimationFrame(() => this.flush());
  }

  /** Draws again every block that depends on the theme. */
  redraw(): void {
    for (const { view } of this.views.values()) view.redraw?.();
  }

  /** The answer ended (or was stopped): render what is left, final. */
  finish(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.flush();
    for (const block of this.splitter.end().finished) this.viewFor(block).update(block, true);
  }

  private flush(): void {
    this.frame = undefined;
    const { finished, tail } = this.splitter.push(this.pending);
    this.pending = "";
    for (const block of finished) this.viewFor(block).update(block, true);
    if (tail) this.viewFor(tail).update(tail, false);
  }

  /**
   * The view of a block, made on first sight. A tail that looked like a paragraph ("```mer") can turn out
   * to open a fence under the same index: then its view is replaced.
   */
  private viewFor(block: Block): BlockView {
    const shape = block.kind === "markdown" ? "markdown" : `fence:${block.lang}`;
    const known = this.views.get(block.index);
    if (known?.shape === shape) return known.view;
    const view = this.createView(block);
    if (known) known.view.element.replaceWith(view.element);
    else this.element.append(view.element);
    this.views.set(block.index, { shape, view });
    return view;
  }

  private createView(block: Block): BlockView {
    if (block.kind === "markdown") return new MarkdownBlockView(this.deps.toHtml);
    const kind = interactiveKind(block.lang);
    return kind ? new InteractiveBlock(kind, this.deps, this.deps.viewer) : new CodeBlockView(this.deps.highlight);
  }
}
