import { describe, expect, it } from 'vitest';
import { backoff } from './backoff.js';

describe('backoff', () => {
  it('starts at min and doubles the ceiling with each step', () => {
    const top = (step: number): number => backoff(step, 500, 10_000, () => 0.999_999);
    expect(backoff(0, 500, 10_000, () => 0.5)).toBe(500);
    expect(top(1)).toBe(999);
    expect(top(2)).toBe(1_999);
    expect(top(3)).toBe(3_999);
  });

  it('never exceeds max, even for huge steps', () => {
    expect(backoff(5, 500, 10_000, () => 0.999_999)).toBe(9_999);
    expect(backoff(10_000, 500, 10_000, () => 0.999_999)).toBe(9_999);
  });

  it('spreads delays over the whole window (full jitter)', () => {
    expect(backoff(3, 500, 10_000, () => 0)).toBe(500);
    expect(backoff(3, 500, 10_000, () => 0.5)).toBe(2_250);
  });

  it('stays within [min, max] for any random value', () => {
    for (let step = 0; step < 40; step++) {
      for (const r of [0, 0.1, 0.5, 0.9, 0.999]) {
        const delay = backoff(step, 200, 5_000, () => r);
        expect(delay).toBeGreaterThanOrEqual(200);
        expect(delay).toBeLessThan(5_000);
      }
    }
  });
});
