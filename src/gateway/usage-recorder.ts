import type { UsageRecord, UsageStore } from "../store/index.js";

/**
 * Writes usage records in batches: one SQLite transaction (one fsync) per flush instead of one per
 * request, so recording stays off the request's latency. Flushes every `intervalMs` and on close.
 */
export class UsageRecorder {
  private pending: UsageRecord[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: UsageStore,
    private readonly transaction: (work: () => void) => void,
    private readonly onError: (error: unknown) => void,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  record(entry: UsageRecord): void {
    this.pending.push(entry);
    if (this.pending.length >= 500) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.transaction(() => {
        for (const entry of batch) this.store.record(entry);
      });
    } catch (error) {
      this.onError(error);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
