/** The bounds of one pool's wait queue (`[gateway.pool] max_queued`, `queue_timeout_ms`). */
export interface QueueBounds {
  /** Requests that may wait at once; the next is refused at once. */
  maxQueued: number;
  /** How long one request may wait for a slot before it is refused. */
  timeoutMs: number;
}

/** How often requests waiting for a slot choose again when no slot is given back (scheduleRecheck). */
const RECHECK_MS = 1000;

/** Why a wait ended: a slot was given back (choose again), the client went away, or the wait lasted too long. */
export type WaitEnd = "freed" | "aborted" | "timed-out";

/**
 * One request's place in the queue, from `join` to `leave`. It keeps its place while it is woken and
 * chooses again, so `max_queued` counts requests, not wake-ups, and its deadline runs from when it joined.
 */
export interface QueuePlace {
  /** The next slot given back, or the end of the wait (then every later call answers the same at once). */
  next(): Promise<WaitEnd>;
  /** Leaves the queue (once; later calls do nothing): its timer and abort listener go with it. */
  leave(): void;
}

/**
 * Requests of one pool waiting for a slot: every replica they may use is at its `max_concurrent`. Each
 * slot given back wakes them all, in the order they came, to choose again; the first that fits takes the
 * slot (synchronously), the others wait on. Waking all rather than one keeps a slot from going unused when
 * the first waiter cannot take it (that replica is one it tried already, or its conversation's choice is
 * elsewhere); choosing again is a few comparisons, no round trip. The queue is bounded in length and in
 * time (QueueBounds): a burst cannot pile up sockets and bodies without end, and a client whose upstreams
 * hang gets an answer it can act on.
 */
export class SlotWaiters {
  private readonly wakers = new Set<(end: WaitEnd) => void>();
  private members = 0;
  /** While anyone waits, everyone chooses again every RECHECK_MS. */
  private recheck: NodeJS.Timeout | undefined;

  /** `counted` hears the queue's length each time it changes (the pool's spark_pool_waiting). */
  constructor(
    private readonly bounds: QueueBounds,
    private readonly counted: (size: number) => void = () => undefined,
  ) {}

  /** Requests in the queue now (woken ones choosing again included). */
  get size(): number {
    return this.members;
  }

  /** A place in the queue for a request cancelled by `signal`; undefined when `max_queued` are waiting already. */
  join(signal?: AbortSignal): QueuePlace | undefined {
    if (this.members >= this.bounds.maxQueued) return undefined;
    this.counted(++this.members);
    this.scheduleRecheck();
    let ended: WaitEnd | undefined = signal?.aborted === true ? "aborted" : undefined;
    let waking: ((end: WaitEnd) => void) | undefined;
    const end = (why: WaitEnd) => {
      ended ??= why;
      waking?.(ended);
    };
    const timer = setTimeout(() => end("timed-out"), this.bounds.timeoutMs);
    const abort = () => end("aborted");
    signal?.addEventListener("abort", abort, { once: true });
    let left = false;
    return {
      next: () => {
        if (ended !== undefined || left) return Promise.resolve(ended ?? "aborted");
        return new Promise<WaitEnd>((resolve) => {
          const wake = (why: WaitEnd) => {
            this.wakers.delete(wake);
            waking = undefined;
            resolve(why);
          };
          waking = wake;
          this.wakers.add(wake);
        });
      },
      leave: () => {
        if (left) return;
        left = true;
        this.counted(--this.members);
        if (this.members === 0) {
          clearTimeout(this.recheck);
          this.recheck = undefined;
        }
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        // A wait still pending ends as the client's: nobody is left to take a slot for it.
        waking?.("aborted");
      },
    };
  }

  /**
   * A replica can get room that no release announces: its cool-down ends (this gateway's, or one another
   * gateway shared through Redis) or a probe lets it back in. Waiters choose again each RECHECK_MS, a few
   * comparisons each, rather than sleeping on a busy replica while another stands idle.
   */
  private scheduleRecheck(): void {
    this.recheck ??= setTimeout(() => {
      this.recheck = undefined;
      if (this.members === 0) return;
      this.scheduleRecheck();
      this.wakeAll();
    }, RECHECK_MS);
    this.recheck.unref?.();
  }

  /** A slot was given back (or may be: a recheck). */
  wakeAll(): void {
    for (const wake of [...this.wakers]) wake("freed");
  }
}
