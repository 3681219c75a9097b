/** Where stores get the time from; tests pass a fixed clock. */
export interface StoreClock {
  now(): Date;
}

export const systemClock: StoreClock = { now: () => new Date() };
