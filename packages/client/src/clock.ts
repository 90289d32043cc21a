/** An opaque timer handle. */
export type TimerHandle = unknown;

/**
 * Time as the client sees it. Injected so tests drive reconnects, heartbeats, token refresh
 * and queue expiry with a manual clock while sockets stay real.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The clock of the runtime: `Date.now` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  // Browsers and Node fire a timer longer than 2^31 - 1 ms (24.8 days) after 1 ms: a 30-day
  // token would be refreshed in a tight loop. Capped, such a timer fires early but not at once.
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(ms, 2 ** 31 - 1)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
