/** How long replicas cool down after failing: the first cool-down, doubled on each failure in a row, up to the longest. */
export interface CooldownSettings {
  cooldownMs: number;
  maxCooldownMs: number;
}

/**
 * Passive health of one replica, as LiteLLM's cool-downs: a failure (no connection, a timeout, a 5xx or a
 * 429) takes it out of rotation for a cool-down that doubles with each failure in a row; once the cool-down
 * ends it is tried again, and one success re-admits it for good. An active probe that succeeds ends a
 * cool-down early.
 */
export class ReplicaHealth {
  private failuresInRow = 0;
  private until = 0;
  /** Cool-downs started, for /metrics. */
  cooldowns = 0;

  constructor(private readonly settings: CooldownSettings) {}

  isUp(now: number): boolean {
    return now >= this.until;
  }

  /** When the current cool-down ends (0 when there is none). */
  get cooldownUntil(): number {
    return this.until;
  }

  get failures(): number {
    return this.failuresInRow;
  }

  /** Records a failure and starts a cool-down; resolves to its length in ms. */
  fail(now: number): number {
    this.failuresInRow++;
    const length = Math.min(this.settings.maxCooldownMs, this.settings.cooldownMs * 2 ** Math.min(this.failuresInRow - 1, 20));
    this.until = now + length;
    this.cooldowns++;
    return length;
  }

  /** A cool-down another gateway started (shared through Redis): out until then, no failure counted here. */
  coolUntil(until: number): void {
    this.until = Math.max(this.until, until);
  }

  succeed(): void {
    this.failuresInRow = 0;
    this.until = 0;
  }
}
