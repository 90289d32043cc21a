import { describe, expect, it } from 'vitest';
import { backoff } from './backoff.js';

describe('backoff', () => {
  it('doubles from the minimum, keeps the upper half jittered, and stops at the cap', () => {
    expect(backoff(0, 50, 2_000, 0)).toBe(25);
    expect(backoff(0, 50, 2_000, 0.999)).toBe(50);
    expect(backoff(3, 50, 2_000, 0)).toBe(200);
    expect(backoff(10, 50, 2_000, 0)).toBe(1_000);
    expect(backoff(10, 50, 2_000, 0.999)).toBe(1_999);
    expect(backoff(10_000, 50, 2_000, 0.5)).toBe(1_500);
  });
});
