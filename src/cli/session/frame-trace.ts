import { renameSync, writeFileSync } from "node:fs";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/**
 * An optional record of how the session draws, for the benchmark (`SPARK_SESSION_TRACE=FILE`): each
 * frame's time (from publishing the batched updates through React's render and commit, which run in a
 * microtask right after, to Ink's output written), how many deltas it carried and how long the oldest
 * had waited, Ink's own render times,
 * the event loop's delays, and each interrupt's timing. Written as JSON when the session ends. Without
 * the variable nothing is recorded.
 */

export interface FrameRecord {
  /** ms since the trace began. */
  at: number;
  /** ms spent drawing the frame. */
  ms: number;
  deltas: number;
  /** ms the oldest delta of the frame waited before the frame was drawn. */
  oldestDeltaMs: number;
}

export interface InterruptRecord {
  /** ms since the trace began when the key arrived. */
  at: number;
  /** ms from the key to the generation's end (its last event). */
  stoppedMs: number | undefined;
}

export class FrameTrace {
  readonly frames: FrameRecord[] = [];
  readonly inkRenderMs: number[] = [];
  readonly interrupts: InterruptRecord[] = [];
  private readonly origin = performance.now();
  private readonly loopDelay: IntervalHistogram;

  private readonly snapshots: NodeJS.Timeout;

  constructor(
    private readonly file: string,
    readonly mode: string,
  ) {
    this.loopDelay = monitorEventLoopDelay({ resolution: 5 });
    this.loopDelay.enable();
    // A session too busy to exit in time still leaves its figures (the benchmark kills the naive path).
    this.snapshots = setInterval(() => this.save(), 2_000).unref();
  }

  static fromEnv(env: NodeJS.ProcessEnv, mode: string): FrameTrace | undefined {
    const file = env.SPARK_SESSION_TRACE;
    return file ? new FrameTrace(file, mode) : undefined;
  }

  elapsed(at = performance.now()): number {
    return at - this.origin;
  }

  frame(start: number, end: number, deltas: number, oldestDelta: number | undefined): void {
    this.frames.push({ at: this.elapsed(start), ms: end - start, deltas, oldestDeltaMs: oldestDelta === undefined ? 0 : end - oldestDelta });
  }

  inkRender(ms: number): void {
    this.inkRenderMs.push(ms);
  }

  interruptRequested(at: number): InterruptRecord {
    const record: InterruptRecord = { at: this.elapsed(at), stoppedMs: undefined };
    this.interrupts.push(record);
    return record;
  }

  write(): void {
    clearInterval(this.snapshots);
    this.save();
    this.loopDelay.disable();
  }

  private save(): void {
    const ms = (ns: number) => Number((ns / 1e6).toFixed(3));
    const eventLoopDelayMs = {
      p50: ms(this.loopDelay.percentile(50)),
      p95: ms(this.loopDelay.percentile(95)),
      p99: ms(this.loopDelay.percentile(99)),
      max: ms(this.loopDelay.max),
    };
    // Whole or not at all: a reader never sees half a file.
    writeFileSync(`${this.file}.partial`, JSON.stringify({ mode: this.mode, frames: this.frames, inkRenderMs: this.inkRenderMs, interrupts: this.interrupts, eventLoopDelayMs }));
    renameSync(`${this.file}.partial`, this.file);
  }
}
