import { actionButton, copyText, downloadText, flashLabel } from "./block-actions.js";
import { frameDocumentFor, KIND_INFO, type InteractiveKind, type RenderDeps } from "./block-renderers.js";
import type { BlockView } from "./block-view.js";
import type { Block } from "./markdown-blocks.js";
import { idle, whenIdle } from "./idle.js";
import { NAVIGATED_MESSAGE, SandboxFrame, type FrameEvent } from "./sandbox-frame.js";

/** Opens a document full size (a dialog with a larger sandboxed frame). */
export interface FullSizeViewer {
  open(title: string, html: string): void;
}

/**
 * While a block streams, re-render at most this often (a Mermaid layout costs far more main-thread time
 * than loading an SVG or an app into a frame); its final text is due at once.
 */
const STREAMING_RENDER_INTERVAL_MS: Record<InteractiveKind, number> = { mermaid: 300, svg: 150, html: 150 };
/** A due render starts in idle time, at the latest this long after it was due. */
const RENDER_IDLE_TIMEOUT_MS = 50;
/**
 * The idle time that making, loading or removing a frame wants left before it starts: each costs the
 * page's main thread milliseconds (4-14 ms each in traces on 2 loaded cores), which at the end of an idle
 * period would delay the next frame.
 */
const FRAME_BUDGET_MS = 8;
const MIN_FRAME_HEIGHT = 60;
const MAX_FRAME_HEIGHT = 640;

/**
 * A fenced mermaid, svg or html block that renders live in a sandboxed frame as its source streams in.
 * Each render loads into a fresh hidden frame and replaces the shown one only when it rendered without
 * error, so an unfinished or invalid block keeps its last good render and shows the error quietly.
 *
 * Off the critical path of the page's frames: the next frame is made and its shell loaded while the main
 * thread is idle (requestIdleCallback), every render starts in idle time too, a replaced frame is
 * removed in idle time, and a render happens only when the source changed in substance (not for a new
 * blank line or trailing spaces).
 */
export class InteractiveBlock implements BlockView {
  readonly element = document.createElement("figure");
  private readonly stage = document.createElement("div");
  private readonly sourceView = document.createElement("pre");
  private readonly status = document.createElement("span");
  private shown: SandboxFrame | undefined;
  /** The next render's frame, made and loaded (the empty shell) while the main thread was idle. */
  private spare: SandboxFrame | undefined;
  private lastGoodHtml: string | undefined;
  private source = "";
  private final = false;
  private rendering = false;
  private renderAgain = false;
  private timer: number | undefined;
  private lastRenderAt = 0;
  private attempted: string | undefined;
  /** The substance of the source the shown frame was rendered from. */
  private goodAttempt: string | undefined;
  /** The last render's error, if it failed. */
  private problem: string | undefined;
  /** A frame of this block navigated away from its sandbox: hostile code, so the block never runs again. */
  private stopped = false;

  constructor(private readonly kind: InteractiveKind, private readonly deps: RenderDeps, private readonly viewer: FullSizeViewer) {
    this.element.className = "interactive-block";
    this.element.dataset.kind = kind;
    this.element.dataset.state = "waiting";
    this.stage.className = "frame-stage";
    this.sourceView.className = "block-source";
    this.sourceView.hidden = true;
    this.status.className = "block-status";
    this.status.setAttribute("role", "status");
    this.element.append(this.toolbar(), this.stage, this.sourceView);
    whenIdle(() => this.prepareSpare(), undefined, FRAME_BUDGET_MS);
  }

  update(block: Block, final: boolean): void {
    if (block.kind !== "fence") return;
    this.source = block.code;
    this.final = final;
    this.sourceView.textContent = block.code;
    if (final) this.scheduleRender(0);
    else this.scheduleRender(Math.max(0, this.lastRenderAt + STREAMING_RENDER_INTERVAL_MS[this.kind] - performance.now()));
  }

  /** The theme changed: render the same source again in the new theme (the last render stays until then). */
  redraw(): void {
    if (this.source !== "") this.scheduleRender(0);
  }

  private toolbar(): HTMLElement {
    const info = KIND_INFO[this.kind];
    const bar = document.createElement("figcaption");
    bar.className = "block-toolbar";
    const label = document.createElement("span");
    label.textContent = info.label;
    const flip = actionButton("Source", `Show the ${info.label}'s source`, (button) => this.flip(button));
    flip.setAttribute("aria-pressed", "false");
    bar.append(
      label,
      this.status,
      flip,
      actionButton("Copy", `Copy the ${info.label}'s source`, async (button) => {
        await copyText(this.source);
        flashLabel(button, "Copied");
      }),
      actionButton("Full size", `Open the ${info.label} full size`, () => {
        if (this.lastGoodHtml !== undefined) this.viewer.open(info.label, this.lastGoodHtml);
      }),
      actionButton("Download", `Download the ${info.label} as ${info.file}`, () => downloadText(info.file, this.source, info.mime)),
    );
    return bar;
  }

  private flip(button: HTMLButtonElement): void {
    const showSource = this.sourceView.hidden;
    this.sourceView.hidden = !showSource;
    this.stage.hidden = showSource;
    button.textContent = showSource ? "Preview" : "Source";
    button.setAttribute("aria-pressed", String(showSource));
  }

  private scheduleRender(delayMs: number): void {
    if (this.timer !== undefined) {
      if (delayMs > 0) return;
      window.clearTimeout(this.timer);
    }
    // Every render waits for idle time (at most a few frames): it may make a frame, milliseconds of the
    // page's main thread, and at a fast model's pace a block is often complete when first seen, so its
    // one render used to make its frame in a timer task landing in the middle of the stream's frames.
    this.timer = window.setTimeout(() => {
      whenIdle(() => {
        this.timer = undefined;
        void this.render();
      }, RENDER_IDLE_TIMEOUT_MS, FRAME_BUDGET_MS);
    }, delayMs);
  }

  /** Makes the next render's frame and loads its shell, unless one waits already. The stage must be in the page. */
  private prepareSpare(): void {
    if (this.spare || this.final || this.stopped || !this.element.isConnected) return;
    this.spare = this.newFrame();
  }

  /**
   * The spare frame, else a new one made in idle time: a diagram's render goes on in the task that brought
   * its SVG from the renderer frame, not in an idle one.
   */
  private async takeFrame(): Promise<SandboxFrame> {
    if (!this.spare) await idle(RENDER_IDLE_TIMEOUT_MS, FRAME_BUDGET_MS);
    const frame = this.spare ?? this.newFrame();
    this.spare = undefined;
    return frame;
  }

  private newFrame(): SandboxFrame {
    const frame = new SandboxFrame(`${KIND_INFO[this.kind].label} preview`, (event) => this.onFrameEvent(frame, event));
    frame.element.classList.add("candidate");
    this.stage.append(frame.element);
    return frame;
  }

  /** After a render: a streaming block gets its next frame ready in idle time; a finished one keeps none. */
  private afterRender(final: boolean): void {
    if (!final) whenIdle(() => this.prepareSpare(), undefined, FRAME_BUDGET_MS);
    else if (this.spare) {
      this.spare.dispose();
      this.spare = undefined;
    }
  }

  /** While streaming, the source up to its last complete line: a half-written line rarely renders. */
  private renderable(): string {
    return this.final ? this.source : this.source.slice(0, this.source.lastIndexOf("\n") + 1);
  }

  /** What a render depends on: the theme and the source without trailing spaces and blank lines. */
  private substance(source: string): string {
    return `${this.deps.theme()}\n${source.replace(/[ \t]+$/gm, "").replace(/\n{2,}/g, "\n").trimEnd()}`;
  }

  private async render(): Promise<void> {
    if (this.stopped) return;
    if (this.rendering) {
      this.renderAgain = true;
      return;
    }
    const source = this.renderable();
    const final = this.final;
    // Renders (Mermaid's above all) cost main-thread time: the same text in the same theme is never
    // rendered twice; when the final text is what was last tried, only the verdict changes (an error
    // now stays shown).
    const attempt = this.substance(source);
    if (attempt === this.attempted) {
      if (final) this.showProblem(this.problem, true);
      return;
    }
    this.attempted = attempt;
    this.rendering = true;
    this.lastRenderAt = performance.now();
    try {
      if (!(await this.renderSource(source, final)) && final) await this.renderFallback(source, attempt);
    } finally {
      this.rendering = false;
      this.afterRender(this.final);
      if (this.renderAgain || attempt !== this.substance(this.renderable()) || (this.final && !final)) {
        this.renderAgain = false;
        this.scheduleRender(this.final ? 0 : STREAMING_RENDER_INTERVAL_MS[this.kind]);
      }
    }
  }

  /**
   * The final source failed, and streaming had fallen behind (a slow first render): its complete lines,
   * never tried, may still render, and are the last good render to keep, with the final error shown.
   */
  private async renderFallback(source: string, attempt: string): Promise<void> {
    const prefix = source.slice(0, source.lastIndexOf("\n") + 1);
    const substance = this.substance(prefix);
    if (prefix.trim() === "" || substance === attempt || substance === this.goodAttempt) return;
    const problem = this.problem;
    await this.renderSource(prefix, false);
    this.showProblem(problem, true);
  }

  /** Renders `source` into a new frame and shows it; false (the error shown) when it does not render. */
  private async renderSource(source: string, final: boolean): Promise<boolean> {
    let html: string;
    try {
      html = await frameDocumentFor(this.kind, source, this.deps);
    } catch (error) {
      this.showProblem(error instanceof Error ? error.message : String(error), final);
      return false;
    }
    if (html === this.lastGoodHtml) {
      this.showProblem(undefined, final);
      return true;
    }
    const candidate = await this.takeFrame();
    // A block that left its sandbox while its frame was made, or while it loaded, never runs again.
    const outcome = this.stopped ? undefined : await candidate.load(html);
    if (outcome === undefined || this.stopped) {
      candidate.dispose();
      return false;
    }
    if (!outcome.ok) {
      candidate.dispose();
      if (outcome.message === NAVIGATED_MESSAGE) this.stop();
      else this.showProblem(outcome.message, final);
      return false;
    }
    const replaced = this.shown;
    if (replaced) {
      replaced.element.style.display = "none";
      whenIdle(() => replaced.dispose(), 500, FRAME_BUDGET_MS);
    }
    this.shown = candidate;
    this.lastGoodHtml = html;
    this.goodAttempt = this.substance(source);
    candidate.element.classList.remove("candidate");
    this.setHeight(candidate, outcome.height);
    this.showProblem(undefined, final);
    return true;
  }

  private onFrameEvent(frame: SandboxFrame, event: FrameEvent): void {
    if (event.kind === "height") this.setHeight(frame, event.height);
    else if (event.kind === "stopped") this.stop();
    else if (frame === this.shown) this.showProblem(event.message, true);
  }

  /** Removes every frame of the block (the one that left its sandbox already removed itself) for good. */
  private stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    for (const frame of [this.shown, this.spare]) frame?.dispose();
    this.shown = undefined;
    this.spare = undefined;
    this.lastGoodHtml = undefined;
    this.showProblem(NAVIGATED_MESSAGE, true);
    this.element.dataset.state = "stopped";
  }

  private setHeight(frame: SandboxFrame, height: number): void {
    frame.element.style.height = `${Math.min(MAX_FRAME_HEIGHT, Math.max(MIN_FRAME_HEIGHT, height))}px`;
  }

  /** States: waiting (nothing good yet), rendered, or error; while streaming a problem is only "incomplete". */
  private showProblem(message: string | undefined, final: boolean): void {
    this.problem = message;
    const hasRender = this.lastGoodHtml !== undefined;
    if (message === undefined) {
      this.status.textContent = "";
      this.status.title = "";
      this.element.dataset.state = hasRender ? "rendered" : "waiting";
      return;
    }
    this.element.dataset.state = final ? "error" : hasRender ? "rendered" : "waiting";
    this.status.textContent = final ? `⚠ ${message}` : hasRender ? "updating…" : "waiting for more…";
    this.status.title = message;
  }
}
