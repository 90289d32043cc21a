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
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
