import { CloseCode, ErrorCode } from '@switchyard/protocol';
import { monotonicClock, TokenBucket, type Clock } from './token-bucket.js';

/** Settings of a {@link RateLimiter}; mirrors the rate fields of `LimitOptions`. */
export interface RateLimitSettings {
  /** Sustained messages per second (0 disables rate limiting). */
  readonly messagesPerSecond: number;
  /** Burst allowed above the rate. */
  readonly messageBurst: number;
  /** Violations within `violationWindowMs` that close the connection with 4200. */
  readonly maxViolations: number;
  /** The sliding window over which violations are counted, ms. */
  readonly violationWindowMs: number;
  /** Time source in milliseconds. @default performance.now */
  readonly now?: Clock;
}

/**
 * What to do with one incoming message:
 * - `allow`: handle it;
 * - `reject`: do not handle it; answer a message that carries an id with a `RATE_LIMITED` error reply;
 * - `close`: sustained abuse; close the connection with {@link CloseCode.RATE_LIMITED} (4200).
 */
export type RateDecision = 'allow' | 'reject' | 'close';

/** The reply error code for a rejected message. */
export const RATE_LIMITED_ERROR = ErrorCode.RATE_LIMITED;
/** The close code for sustained abuse. */
export const RATE_LIMITED_CLOSE = CloseCode.RATE_LIMITED;

/**
 * Per-connection rate limit: a token bucket, plus a sliding window of violations so a client that
 * keeps sending after being told `RATE_LIMITED` is disconnected instead of costing a reply per frame.
 * Memory: one bucket per connection; the violation ring is allocated only on the first violation.
 */
export class RateLimiter {
  readonly #bucket: TokenBucket | undefined;
  readonly #maxViolations: number;
  readonly #windowMs: number;
  readonly #now: Clock;
  // Timestamps of the last `maxViolations` violations, oldest at `#head`.
  #ring: Float64Array | undefined;
  #head = 0;
  #count = 0;

  constructor(settings: RateLimitSettings) {
    // Shared, not a closure per limiter: every connection that sends a message holds one.
    this.#now = settings.now ?? monotonicClock;
    this.#bucket =
      settings.messagesPerSecond > 0
        ? new TokenBucket({
            ratePerSec: settings.messagesPerSecond,
            burst: Math.max(1, settings.messageBurst),
            now: this.#now,
          })
        : undefined;
    this.#maxViolations = Math.max(1, Math.floor(settings.maxViolations));
    this.#windowMs = settings.violationWindowMs;
  }

  /** Accounts for one incoming message and says what to do with it. */
  check(): RateDecision {
    if (this.#bucket === undefined || this.#bucket.tryTake()) return 'allow';
    return this.#violation();
  }

  /**
   * Violations within the window, counting the latest. 1 means the first after a calm period:
   * the moment worth one log line, where logging every violation would let a flood fill the logs.
   */
  recentViolations(): number {
    const ring = this.#ring;
    if (ring === undefined) return 0;
    const now = this.#now();
    let n = 0;
    for (let i = 0; i < this.#count; i++) {
      if (now - (ring[(this.#head + i) % this.#maxViolations] ?? 0) <= this.#windowMs) n++;
    }
    return n;
  }

  #violation(): RateDecision {
    const now = this.#now();
    const ring = (this.#ring ??= new Float64Array(this.#maxViolations));
    if (this.#count < this.#maxViolations) {
      ring[(this.#head + this.#count) % this.#maxViolations] = now;
      this.#count++;
    } else {
      // Full: overwrite the oldest, which moves the head forward.
      ring[this.#head] = now;
      this.#head = (this.#head + 1) % this.#maxViolations;
    }
    if (this.#count < this.#maxViolations) return 'reject';
    const oldest = ring[this.#head] ?? now;
    return now - oldest <= this.#windowMs ? 'close' : 'reject';
  }
}
