import { describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';

describe('system clock', () => {
  it('waits for delays past the 2^31 - 1 ms timer limit instead of firing at once', async () => {
    // A 30-day token puts its refresh ~2.6e9 ms out; runtimes fire such timers after 1 ms.
    const fired: number[] = [];
    const handles = [2 ** 31, 30 * 86_400_000, Infinity].map((ms) => systemClock.setTimeout(() => fired.push(ms), ms));
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const handle of handles) systemClock.clearTimeout(handle);
    expect(fired).toEqual([]);
  });

  it('still fires ordinary delays', async () => {
    let fired = false;
    systemClock.setTimeout(() => (fired = true), 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fired).toBe(true);
  });
});
