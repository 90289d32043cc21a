/** A clock in milliseconds; injected so tests control time. */
export type Clock = () => number;

/** `performance.now`, as one shared function: a default written inline would be a closure per bucket. */
export const monotonicClock: Clock = () => performance.now();

/** Settings of a {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second (the sustained rate). Must be > 0. */
  readonly ratePerSec: number;
  /** Most tokens the bucket holds (the burst above the rate). Must be >= 1. */
  readonly burst: number;
  /** Time source in milliseconds. @default performance.now */
  readonly now?: Clock;
}

/**
 * A token bucket: `burst` tokens at start, refilled continuously at `ratePerSec`, capped at `burst`.
 * Refill is computed lazily on each take, so an idle bucket costs nothing.
 */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  readonly #now: Clock;
  #tokens: number;
  #last: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSec > 0) || !Number.isFinite(options.ratePerSec)) {
      throw new RangeError(`ratePerSec must be a positive number, got ${options.ratePerSec}`);
    }
    if (!(options.burst >= 1) || !Number.isFinite(options.burst)) {
      throw new RangeError(`burst must be a number >= 1, got ${options.burst}`);
    }
    this.#ratePerMs = options.ratePerSec / 1000;
    this.#burst = options.burst;
    this.#now = options.now ?? monotonicClock;
    this.#tokens = options.burst;
    this.#last = this.#now();
  }

  /** Takes `count` tokens when available and returns true; otherwise takes none and returns false. */
  tryTake(count = 1): boolean {
    this.#refill();
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.#refill();
    return this.#tokens;
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#last;
    this.#last = now;
    // A clock that steps backwards must not drain or overfill the bucket.
    if (elapsed <= 0) return;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#ratePerMs);
  }
}
