import { RateLimiter } from '../protection/rate-limit-policy.js';

// A client that keeps sending after this many RATE_LIMITED answers within the window is closed (4200).
const RATE_VIOLATIONS_BEFORE_CLOSE = 20;
const RATE_VIOLATION_WINDOW_MS = 10_000;
// `ping`, `pong` and unsolicited `reply` frames get a bucket of their own this many times the
// message rate: generous for any heartbeat, yet a flood is closed long before it pins a core.
const CONTROL_RATE_FACTOR = 10;

function limiter(messagesPerSecond: number, messageBurst: number): RateLimiter {
  return new RateLimiter({
    messagesPerSecond,
    messageBurst,
    maxViolations: RATE_VIOLATIONS_BEFORE_CLOSE,
    violationWindowMs: RATE_VIOLATION_WINDOW_MS,
  });
}

/**
 * The limiter of every connection while the rate limit is off: with no rate it keeps no state (no
 * bucket, so never a violation), so one serves all.
 */
export const UNLIMITED: RateLimiter = limiter(0, 0);

/** A connection's message limit: `messagesPerSecond` with bursts of `messageBurst`. */
export function messageRate(messagesPerSecond: number, messageBurst: number): RateLimiter {
  return limiter(messagesPerSecond, messageBurst);
}

/** A connection's limit on `ping`, `pong` and unsolicited `reply`: ten times the message rate and burst. */
export function controlRate(messagesPerSecond: number, messageBurst: number): RateLimiter {
  return limiter(messagesPerSecond * CONTROL_RATE_FACTOR, messageBurst * CONTROL_RATE_FACTOR);
}
