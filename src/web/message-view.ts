import type { RenderDeps } from "./block-renderers.js";
import { interactiveKind } from "./block-renderers.js";
import type { BlockView } from "./block-view.js";
import { CodeBlockView } from "./code-block-view.js";
import { inIdleThen } from "./idle.js";
import { InteractiveBlock, type FullSizeViewer } from "./interactive-block.js";
import { BlockSplitter, type Block } from "./markdown-blocks.js";
import { MarkdownBlockView } from "./markdown-block-view.js";
import type { MarkdownToNodes } from "./markdown-html.js";
import type { AsyncHighlighter } from "./worker-highlighter.js";

export interface MessageRenderDeps extends RenderDeps {
  toNodes: MarkdownToNodes;
  /** Highlights a finished code block (off the main thread). */
  highlight: AsyncHighlighter;
  viewer: FullSizeViewer;
}

/** Text blocks per run: a long answer has thousands of blocks, a few dozen runs. */
const BLOCKS_PER_RUN = 20;

/**
 * The time one animation frame spends rendering finished blocks before it leaves the rest to the next
 * frame. A page that fell behind (a busy core, a background tab) meets dozens of finished blocks at once:
 * rendered in one go, they made the stream's long tasks (20-40 ms of CPU in one frame, traced). At least
 * one block is rendered per frame, so the queue always drains. Blocks prepared in idle time take a tenth
 * of a millisecond each; what is left over once a block that was not prepared has spent the budget gets
 * prepared before the next frame.
 */
const FRAME_RENDER_BUDGET_MS = 3;

/**
 * The idle time left that preparing one finished block's nodes wants (marked, the sanitiser: about half a
 * millisecond for a paragraph, on a loaded core a few times that).
 */
const PREPARE_BUDGET_MS = 2;
/** The longest text waits for idle time before its frame is requested anyway (about one frame at 60 Hz). */
const PREPARE_TIMEOUT_MS = 16;

/**
 * One assistant answer, rendered incrementally: text is buffered and applied once per animation frame;
 * finished blocks are rendered once, and only the block still being written is rendered again.
 *
 * A finished text block's nodes are made ahead of its frame, in the idle time between frames: traced at
 * 5,000 tokens/s with live blocks, making them was three quarters of the script each frame ran, and on two
 * busy cores every millisecond of a frame's own work stretched to three or four. New text therefore asks
 * for an idle period first (a frame already asked for leaves none before it), prepares what it can
 * there, and only then for the frame, which puts the prepared nodes in place (or makes them itself, where
 * idle time did not come in time).
 *
 * Text and code blocks sit in runs of BLOCKS_PER_RUN that the browser skips laying out and painting while
 * off screen (content-visibility: auto). On the runs, not on each block: every such element is checked
 * against the viewport on every frame, which for thousands of blocks cost more than the rendering.
 */
export class MessageView {
  readonly element = document.createElement("div");
  private readonly splitter = new BlockSplitter();
  private readonly views = new Map<number, { shape: string; view: BlockView }>();
  private pending = "";
  /** Finished blocks not rendered yet (a frame's budget ran out), oldest first from `next`. */
  private queue: Block[] = [];
  private next = 0;
  private frame: number | undefined;
  /** The run new text blocks join, and how many it holds; a live block ends it. */
  private run: { element: HTMLElement; blocks: number } | undefined;
  /** Idle time is asked for, and the frame after it. */
  private scheduled = false;
  /** The queued block up to which idle time has prepared nodes. */
  private preparedUpTo = 0;
  private ended = false;

  constructor(private readonly deps: MessageRenderDeps) {
    this.element.className = "message-body";
  }

  append(text: string): void {
    this.pending += text;
    this.schedule();
  }

  /** Asks for an idle period to prepare in, then for the frame that shows the text; once until it comes. */
  private schedule(): void {
    if (this.scheduled || this.frame !== undefined) return;
    this.scheduled = true;
    inIdleThen(
      () => this.prepareNext(),
      () => {
        this.scheduled = false;
        if (!this.ended) this.frame ??= requestAnimationFrame(() => this.flush());
      },
      PREPARE_TIMEOUT_MS,
      PREPARE_BUDGET_MS,
    );
  }

  /** Draws again every block that depends on the theme. */
  redraw(): void {
    for (const { view } of this.views.values()) view.redraw?.();
  }

  /** The answer ended (or was stopped): render what is left, final, at once. */
  finish(): void {
    this.ended = true;
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    this.take(this.splitter.push(this.pending).finished);
    this.pending = "";
    this.take(this.splitter.end().finished);
    this.renderQueued(Infinity);
  }

  /**
   * Once per animation frame: the finished blocks within the frame's budget, then the block being
   * written, which is only worth rendering once every block before it is on screen.
   */
  private flush(): void {
    this.frame = undefined;
    const { finished, tail } = this.splitter.push(this.pending);
    this.pending = "";
    this.take(finished);
    if (!this.renderQueued(FRAME_RENDER_BUDGET_MS)) this.schedule();
    else if (tail) this.viewFor(tail).update(tail, false);
  }

  private take(finished: Block[]): void {
    for (const block of finished) this.queue.push(block);
  }

  /**
   * One step of idle-time work: takes the text that arrived since the last frame, and prepares the nodes of
   * the next finished text block not rendered yet. False when there is nothing left to prepare. (Not the
   * block being written: measured, more text came before its frame about half the time, and the work was
   * lost: 73 ms more preparing for 26 ms less in frames over a 10 s stream.)
   */
  private prepareNext(): boolean {
    if (this.ended) return false;
    if (this.pending !== "") {
      this.take(this.splitter.push(this.pending).finished);
      this.pending = "";
    }
    this.preparedUpTo = Math.max(this.preparedUpTo, this.next);
    const block = this.queue[this.preparedUpTo];
    if (!block) return false;
    this.preparedUpTo++;
    if (block.kind === "markdown") {
      const view = this.viewOf(block);
      if (view instanceof MarkdownBlockView) view.prepare(block);
    }
    return true;
  }

  /** Renders queued blocks, at least one, until `budgetMs` have passed; true when none is left. */
  private renderQueued(budgetMs: number): boolean {
    const started = performance.now();
    while (this.next < this.queue.length) {
      const block = this.queue[this.next++] as Block;
      this.viewFor(block).update(block, true);
      if (performance.now() - started >= budgetMs) break;
    }
    const done = this.next >= this.queue.length;
    if (done) {
      this.queue = [];
      this.next = 0;
      this.preparedUpTo = 0;
    }
    return done;
  }

  /** The view of a block, in the page: placed after every block before it when first rendered. */
  private viewFor(block: Block): BlockView {
    const view = this.viewOf(block);
    if (!view.element.parentElement) this.place(view);
    return view;
  }

  /**
   * The view of a block, made on first sight (idle-time preparation makes it before it is placed). A tail
   * that looked like a paragraph ("```mer") can turn out to open a fence under the same index: then its
   * view is replaced.
   */
  private viewOf(block: Block): BlockView {
    const shape = block.kind === "markdown" ? "markdown" : `fence:${block.lang}`;
    const known = this.views.get(block.index);
    if (known?.shape === shape) return known.view;
    const view = this.createView(block);
    if (known) this.unplace(known.view);
    this.views.set(block.index, { shape, view });
    return view;
  }

  /** Takes out the last block placed (the tail, about to be replaced), and its run if that empties. */
  private unplace(view: BlockView): void {
    const run = this.run;
    const inRun = run !== undefined && view.element.parentElement === run.element;
    view.element.remove();
    if (!run || !inRun) return;
    run.blocks--;
    if (run.blocks === 0) {
      run.element.remove();
      this.run = undefined;
    }
  }

  /** A live block stands on its own (its frames keep running); text and code blocks join the current run. */
  private place(view: BlockView): void {
    if (view instanceof InteractiveBlock) {
      this.run = undefined;
      this.element.append(view.element);
      return;
    }
    if (!this.run || this.run.blocks >= BLOCKS_PER_RUN) {
      const element = document.createElement("div");
      element.className = "block-run";
      this.element.append(element);
      this.run = { element, blocks: 0 };
    }
    this.run.element.append(view.element);
    this.run.blocks++;
  }

  private createView(block: Block): BlockView {
    if (block.kind === "markdown") return new MarkdownBlockView(this.deps.toNodes, this.deps.highlight);
    const kind = interactiveKind(block.lang);
    return kind ? new InteractiveBlock(kind, this.deps, this.deps.viewer) : new CodeBlockView(this.deps.highlight);
  }
}
