/**
 * Batches updates to the frame rate: however many deltas arrive, the screen is redrawn at most once a
 * frame (16 ms: 60 frames per second). The first update after a quiet spell is drawn at once, so a lone
 * keystroke or the first token never waits for a frame boundary. `frameMs` 0 draws every update
 * synchronously (the naive path the benchmark compares against).
 */
export class FrameScheduler {
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = -Infinity;
  private disposed = false;

  constructor(
    private readonly flush: () => void,
    readonly frameMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Something changed: draw it at the next frame. */
  request(): void {
    if (this.disposed || this.timer !== undefined) return;
    if (this.frameMs === 0) return this.run();
    const wait = this.lastFlush + this.frameMs - this.now();
    if (wait <= 0) {
      // Not synchronously: the caller may be about to make more changes in the same tick.
      this.timer = setTimeout(() => this.run(), 0);
      return;
    }
    this.timer = setTimeout(() => this.run(), wait);
  }

  /** Draw now (an interrupt, a key the user waits to see). */
  immediate(): void {
    if (this.disposed) return;
    this.run();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlush = this.now();
    this.flush();
  }
}
