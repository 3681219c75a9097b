import type { StoredResponse } from "./response-chain-store.js";
import { RunningTurn, type StopCause } from "./socket-turn.js";

/** One queued response of a lane; it gets the RunningTurn it may be steered or interrupted through. */
export type LaneJob = (running: RunningTurn) => Promise<void>;

/**
 * A `stream_id` lane of one socket: its responses run one at a time, first in first out, while other
 * lanes run in parallel. At most `maxQueued` wait behind the running one (0: a create while the lane is
 * busy is refused, as on a socket without lanes).
 */
export class SocketLane {
  private readonly queue: LaneJob[] = [];
  running: RunningTurn | undefined;
  /** The response this lane made last (a steer on an idle lane looks at it). */
  last: StoredResponse | undefined;

  constructor(
    readonly streamId: string | undefined,
    private readonly maxQueued: number,
    private readonly onIdle: (lane: SocketLane) => void,
  ) {}

  /** Queues a response; false when the lane is full. */
  submit(job: LaneJob): boolean {
    if (this.running && this.queue.length >= this.maxQueued) return false;
    this.queue.push(job);
    if (!this.running) void this.next();
    return true;
  }

  /** Runs `job` right after the running one, ahead of the queue (a steered response's successor). */
  follow(job: LaneJob): void {
    this.queue.unshift(job);
  }

  /** Stops the running response and drops the queued ones (the socket closed). */
  stop(cause: StopCause): void {
    this.queue.length = 0;
    this.running?.stop(cause);
  }

  private async next(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      this.running = new RunningTurn();
      await job(this.running);
    }
    this.running = undefined;
    this.onIdle(this);
  }
}
