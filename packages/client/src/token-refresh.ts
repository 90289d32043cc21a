/**
 * When to refresh a token in band: `beforeMs` ahead of `expiresAt`, but never earlier than half
 * the remaining lifetime, so a short-lived token is not refreshed in a tight loop.
 *
 * @example
 * refreshDelay(now + 3_600_000, now, 30_000); // 3_570_000
 * refreshDelay(now + 10_000, now, 30_000);    // 5_000
 */
export function refreshDelay(expiresAt: number, now: number, beforeMs: number): number {
  const remaining = expiresAt - now;
  return Math.max(0, remaining - Math.min(beforeMs, remaining / 2));
}
