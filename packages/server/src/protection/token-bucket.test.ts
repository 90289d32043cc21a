import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('TokenBucket', () => {
  it('allows a burst, then refuses until tokens refill at the rate', () => {
    const c = clock();
    const b = new TokenBucket({ ratePerSec: 10, burst: 3, now: c.now });
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
    c.advance(99);
    expect(b.tryTake()).toBe(false);
    c.advance(1); // 100 ms at 10/s = one token
    expect(b.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
  });

  it('never holds more than the burst however long it idles', () => {
    const c = clock();
    const b = new TokenBucket({ ratePerSec: 1000, burst: 5, now: c.now });
    c.advance(60_000);
    expect(b.available()).toBe(5);
    for (let i = 0; i < 5; i++) expect(b.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
  });

  it('takes nothing when a multi-token take does not fit', () => {
    const c = clock();
    const b = new TokenBucket({ ratePerSec: 1, burst: 2, now: c.now });
    expect(b.tryTake(3)).toBe(false);
    expect(b.available()).toBe(2);
  });

  it('ignores a clock that steps backwards', () => {
    const c = clock(1000);
    const b = new TokenBucket({ ratePerSec: 1, burst: 1, now: c.now });
    expect(b.tryTake()).toBe(true);
    c.advance(-500);
    expect(b.tryTake()).toBe(false);
    c.advance(500);
    expect(b.tryTake()).toBe(false); // back at the last seen time: still nothing refilled
    c.advance(1000);
    expect(b.tryTake()).toBe(true);
  });

  it('sustains exactly the configured rate over a long run', () => {
    const c = clock();
    const b = new TokenBucket({ ratePerSec: 100, burst: 10, now: c.now });
    let accepted = 0;
    // 1000 attempts per second for 10 s
    for (let i = 0; i < 10_000; i++) {
      if (b.tryTake()) accepted++;
      c.advance(1);
    }
    expect(accepted).toBeGreaterThanOrEqual(1000);
    expect(accepted).toBeLessThanOrEqual(1010);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new TokenBucket({ ratePerSec: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSec: 1, burst: 0.5 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSec: Number.NaN, burst: 1 })).toThrow(RangeError);
  });
});
