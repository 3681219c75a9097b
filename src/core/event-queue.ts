/**
 * Bridges callback-style producers (a native engine's token callbacks) to an async iterable, so
 * every provider can expose the same `AsyncIterable<StreamEvent>`.
 */
export class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | undefined;
  private finished = false;

  /** `onCancel` runs when the consumer stops reading before the end, so the producer can stop too. */
  constructor(private readonly onCancel?: () => void) {}

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  /** True once the producer has called `end()`. */
  get ended(): boolean {
    return this.finished;
  }

  end(): void {
    this.finished = true;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        const item = this.items.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (this.finished) return;
        await new Promise<void>((resolve) => (this.waiter = resolve));
      }
    } finally {
      if (!this.finished) this.onCancel?.();
    }
  }
}
