import type { ApprovalRequest } from "../../agent/index.js";
import type { FrameTrace } from "./frame-trace.js";
import { FrameScheduler } from "./frame-scheduler.js";
import { MarkdownStream } from "./markdown-stream.js";
import type { SpeedFigures } from "./live-meter.js";

/**
 * What the session shows, as one immutable snapshot the Ink components read (useSyncExternalStore),
 * and the batching that keeps it cheap at thousands of tokens per second. Deltas are only appended to
 * a string when they arrive; once per frame the batch is split into finished lines (styled once) and
 * the one line still being written, and a new snapshot is published, so React redraws only the live
 * part. Finished lines are written to the terminal once, above the live part, and never redrawn:
 * - "batched" (the default): written straight through Ink's static-output channel (the writer the app
 *   attaches: Ink's `useStdout().write`, which clears the live part, writes them, and puts it back);
 * - "static": through Ink's <Static> component (the same result, at about three times the cost per
 *   frame: Ink lays the text out in its cell grid and needs a second commit to let it go);
 * - "naive" (the benchmark's baseline): every delta publishes at once and the whole transcript stays
 *   in the redrawn part of the screen.
 */

export type RenderMode = "batched" | "static" | "naive";

export interface OutputChunk {
  id: number;
  /** Finished lines, styled, joined with "\n". */
  text: string;
}

export type SessionState = "idle" | "waiting" | "streaming" | "tool" | "approval" | "interrupting";

export interface StatusView extends SpeedFigures {
  model: string;
  state: SessionState;
  approvalMode: string;
  sessionId: string | undefined;
  /** How full the model's context window was at the last call, 0 to 1. */
  contextFill?: number | undefined;
}

export type ApprovalChoice = "yes" | "no" | "always";

export interface ApprovalView {
  kind: ApprovalRequest["kind"];
  /** What would happen, styled (a diff, a command line). */
  lines: string[];
  answer(choice: ApprovalChoice): void;
}

export interface PickerView {
  title: string;
  items: { id: string; label: string }[];
  pick(id: string): void;
  cancel(): void;
}

export interface ViewSnapshot {
  /** "static" mode: finished output not yet written by <Static> (usually one frame's worth). */
  unwritten: readonly OutputChunk[];
  /** Naive mode: all finished output, re-rendered every frame. */
  all: readonly OutputChunk[];
  /** The line being written, styled. */
  tail: string;
  /** What is happening now, e.g. "shell npm test" while the command runs. */
  activity: string | undefined;
  status: StatusView;
  queued: readonly string[];
  approval: ApprovalView | undefined;
  picker: PickerView | undefined;
  /** Text to put back into the input box (queued messages after an interrupt); serial changes each time. */
  inputRestore: { text: string; serial: number } | undefined;
}

type Settable = Pick<ViewSnapshot, "activity" | "queued" | "approval" | "picker" | "inputRestore">;

export interface ViewStoreOptions {
  mode: RenderMode;
  /** Terminal columns, read when a long line must be cut. */
  columns: () => number;
  /** The status line's figures, read at every frame. */
  status: () => StatusView;
  trace?: FrameTrace | undefined;
  frameMs?: number;
}

export class ViewStore {
  private snapshot: ViewSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly markdown: MarkdownStream;
  private readonly scheduler: FrameScheduler;
  private pendingText = "";
  private pendingDeltas = 0;
  private oldestDelta: number | undefined;
  private pendingLines: string[] = [];
  private changes: Partial<Settable> = {};
  private nextChunkId = 1;
  private writtenUpTo = 0;
  private readonly allChunks: OutputChunk[] = [];
  private writer: ((text: string) => void) | undefined;
  private waiting: string[] = [];
  private readonly outputListeners = new Set<(text: string) => void>();

  constructor(private readonly options: ViewStoreOptions) {
    this.markdown = new MarkdownStream(options.columns);
    this.scheduler = new FrameScheduler(() => this.flush(), options.mode === "naive" ? 0 : (options.frameMs ?? 16));
    this.snapshot = { unwritten: [], all: this.allChunks, tail: "", activity: undefined, status: options.status(), queued: [], approval: undefined, picker: undefined, inputRestore: undefined };
  }

  get mode(): RenderMode {
    return this.options.mode;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): ViewSnapshot => this.snapshot;

  /** A delta of the answer: kept until the next frame. */
  appendText(text: string): void {
    if (text === "") return;
    this.pendingText += text;
    this.pendingDeltas++;
    this.oldestDelta ??= performance.now();
    this.scheduler.request();
  }

  /** The answer's text ends here: its last line is finished. */
  endText(): void {
    this.drainText();
    this.pendingLines.push(...this.markdown.end());
    this.scheduler.request();
  }

  /** Finished output (after any text still being written). */
  print(lines: readonly string[]): void {
    this.endText();
    this.pendingLines.push(...lines);
    this.scheduler.request();
  }

  set(changes: Partial<Settable>, immediate = false): void {
    Object.assign(this.changes, changes);
    if (immediate) this.scheduler.immediate();
    else this.scheduler.request();
  }

  /** Redraw at the next frame (the status line's clock and speed). */
  touch(): void {
    this.scheduler.request();
  }

  /** Draw now. */
  flushNow(): void {
    this.scheduler.immediate();
  }

  /**
   * "batched" mode: where finished output goes (Ink's `useStdout().write`); what was finished before
   * the app attached it is written at once. Returns a function that detaches it.
   */
  attachWriter(write: (text: string) => void): () => void {
    this.writer = write;
    const waiting = this.waiting.join("");
    this.waiting = [];
    if (waiting !== "") write(waiting);
    return () => {
      if (this.writer === write) this.writer = undefined;
    };
  }

  /** Calls `listener` with every piece of finished output, as it is published (for tests and tools). */
  onOutput(listener: (text: string) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  /**
   * <Static> wrote the chunks up to this one: the next snapshot lets them go. The current one stays as
   * it is (nothing on screen changes, so nothing is redrawn).
   */
  readonly written = (lastId: number): void => {
    this.writtenUpTo = Math.max(this.writtenUpTo, lastId);
  };

  dispose(): void {
    this.scheduler.dispose();
  }

  private drainText(): void {
    if (this.pendingText === "") return;
    this.pendingLines.push(...this.markdown.push(this.pendingText));
    this.pendingText = "";
  }

  private flush(): void {
    const start = performance.now();
    const deltas = this.pendingDeltas;
    const oldest = this.oldestDelta;
    this.pendingDeltas = 0;
    this.oldestDelta = undefined;
    this.drainText();
    let { unwritten } = this.snapshot;
    if (unwritten.length > 0 && (unwritten[0] as OutputChunk).id <= this.writtenUpTo) unwritten = unwritten.filter((chunk) => chunk.id > this.writtenUpTo);
    if (this.pendingLines.length > 0) {
      const chunk = { id: this.nextChunkId++, text: this.pendingLines.join("\n") };
      this.pendingLines = [];
      if (this.options.mode === "naive") this.allChunks.push(chunk);
      else if (this.options.mode === "static") unwritten = [...unwritten, chunk];
      else if (this.writer) this.writer(`${chunk.text}\n`);
      else this.waiting.push(`${chunk.text}\n`);
      for (const listener of this.outputListeners) listener(`${chunk.text}\n`);
    }
    this.snapshot = { ...this.snapshot, ...this.changes, unwritten, tail: this.markdown.partialLine(), status: this.options.status() };
    this.changes = {};
    for (const listener of this.listeners) listener();
    const trace = this.options.trace;
    // React renders the update in a microtask queued by the listener; this one runs after it (and Ink's write).
    if (trace) queueMicrotask(() => trace.frame(start, performance.now(), deltas, oldest));
  }
}
