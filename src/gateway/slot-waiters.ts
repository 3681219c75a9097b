/**
 * Requests of one pool waiting for a slot: every replica they may use is at its `max_concurrent`. Each
 * slot given back wakes them all, in the order they came, to choose again; the first that fits takes the
 * slot (synchronously), the others wait on. Waking all rather than one keeps a slot from going unused when
 * the first waiter cannot take it (that replica is one it tried already, or its conversation's choice is
 * elsewhere); choosing again is a few comparisons, no round trip.
 */
export class SlotWaiters {
  private readonly waiting = new Set<() => void>();

  get size(): number {
    return this.waiting.size;
  }

  /** Resolves true when a slot is given back, false when `signal` aborts first (the client went away). */
  next(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const settle = (freed: boolean) => {
        this.waiting.delete(wake);
        signal?.removeEventListener("abort", abort);
        resolve(freed);
      };
      const wake = () => settle(true);
      const abort = () => settle(false);
      this.waiting.add(wake);
      signal?.addEventListener("abort", abort, { once: true });
    });
  }

  /** A slot was given back. */
  wakeAll(): void {
    for (const wake of [...this.waiting]) wake();
  }
}
