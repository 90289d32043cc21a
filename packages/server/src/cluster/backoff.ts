/**
 * Delay before reconnect attempt `attempt` (0 first): exponential from `minMs`, capped at `maxMs`,
 * with the upper half jittered so nodes that lost the same Redis do not return in lockstep.
 * @param random a number in [0, 1), injectable for tests
 */
export function backoff(attempt: number, minMs: number, maxMs: number, random: number = Math.random()): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}
