import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';

// vitest's fake timers behave like the runtimes: a delay above 2^31 - 1 ms fires after 1 ms.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('system clock', () => {
  it('waits for delays past the 2^31 - 1 ms timer limit instead of firing at once', () => {
    // A 30-day token puts its refresh ~2.6e9 ms out; runtimes fire such timers after 1 ms.
    const fired: number[] = [];
    for (const ms of [2 ** 31, 30 * 86_400_000, Infinity]) systemClock.setTimeout(() => fired.push(ms), ms);
    vi.advanceTimersByTime(86_400_000);
    expect(fired).toEqual([]);
  });

  it('still fires ordinary delays', () => {
    let fired = false;
    systemClock.setTimeout(() => (fired = true), 1);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(true);
  });
});
