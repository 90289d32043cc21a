import { backoff } from './backoff.js';
import type { Clock } from './clock.js';
import type { BackoffConfig } from './connection-machine.js';
import type { RoomHost } from './room.js';

/**
 * A client's `RoomHost.retry`: a failed join is tried again after the reconnect backoff (the slow
 * one after `RATE_LIMITED`), at most `attempts` times in a row.
 */
export function joinRetry(
  clock: Clock,
  delays: BackoffConfig,
  random: () => number,
  attempts: number,
): RoomHost['retry'] {
  return (fn, failures, slow) => {
    if (failures >= attempts) return undefined;
    const delay = slow
      ? backoff(failures - 1, delays.slowMinDelayMs, delays.slowMaxDelayMs, random)
      : backoff(failures - 1, delays.minDelayMs, delays.maxDelayMs, random);
    const timer = clock.setTimeout(fn, delay);
    return () => clock.clearTimeout(timer);
  };
}
