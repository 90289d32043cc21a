/**
 * Delay before reconnect attempt `step` (0-based): exponential growth from `min`, capped at
 * `max`, with full jitter between `min` and the cap. The floor at `min` keeps a fleet of clients
 * from hammering a restarting server in its first instant; the jitter spreads them out.
 *
 * @param step failed attempts so far (0 for the first retry)
 * @param min smallest delay, ms
 * @param max largest delay, ms
 * @param random a source of numbers in [0, 1), injected for tests
 * @example
 * backoff(3, 500, 10_000, Math.random); // somewhere in [500, 4000)
 */
export function backoff(step: number, min: number, max: number, random: () => number): number {
  // 2 ** step overflows to Infinity for very large steps; Math.min caps it.
  const cap = Math.max(min, Math.min(max, min * 2 ** step));
  return Math.floor(min + random() * (cap - min));
}
