import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineWheel } from './deadline-wheel.js';

describe('DeadlineWheel', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires an item after its deadline, within one resolution, never early', () => {
    const fired: string[] = [];
    const wheel = new DeadlineWheel<string>({ onDue: (x) => fired.push(x) });
    wheel.schedule('a', Date.now() + 2_500);
    vi.advanceTimersByTime(2_499);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1_001);
    expect(fired).toEqual(['a']);
    expect(wheel.size).toBe(0);
  });

  it('fires a past deadline on the next tick, not synchronously', () => {
    const fired: string[] = [];
    const wheel = new DeadlineWheel<string>({ onDue: (x) => fired.push(x) });
    wheel.schedule('late', Date.now() - 10_000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual(['late']);
  });

  it('reschedules and cancels', () => {
    const fired: string[] = [];
    const wheel = new DeadlineWheel<string>({ onDue: (x) => fired.push(x) });
    wheel.schedule('a', Date.now() + 1_000);
    wheel.schedule('b', Date.now() + 1_000);
    wheel.schedule('a', Date.now() + 5_000);
    wheel.cancel('b');
    wheel.cancel('never-scheduled');
    vi.advanceTimersByTime(3_000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(3_000);
    expect(fired).toEqual(['a']);
  });

  it('lets a callback reschedule its item into a later slot', () => {
    const fired: number[] = [];
    const wheel: DeadlineWheel<string> = new DeadlineWheel<string>({
      onDue: (x) => {
        fired.push(Date.now());
        if (fired.length === 1) wheel.schedule(x, Date.now() + 2_000);
      },
    });
    const start = Date.now();
    wheel.schedule('a', start + 1_000);
    vi.advanceTimersByTime(10_000);
    expect(fired.map((t) => t - start)).toEqual([1_000, 3_000]);
  });

  it('runs one shared interval only while items are scheduled', () => {
    const wheel = new DeadlineWheel<number>({ onDue: () => {} });
    expect(vi.getTimerCount()).toBe(0);
    for (let i = 0; i < 1_000; i++) wheel.schedule(i, Date.now() + 60_000 + i * 7);
    expect(vi.getTimerCount()).toBe(1);
    for (let i = 0; i < 999; i++) wheel.cancel(i);
    expect(vi.getTimerCount()).toBe(1);
    wheel.cancel(999);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires items in deadline order after the clock jumps far ahead', () => {
    const fired: string[] = [];
    const wheel = new DeadlineWheel<string>({ onDue: (x) => fired.push(x) });
    const now = Date.now();
    wheel.schedule('third', now + 86_400_000 * 3);
    wheel.schedule('first', now + 5_000);
    wheel.schedule('second', now + 86_400_000);
    vi.setSystemTime(now + 86_400_000 * 2);
    wheel.tick();
    expect(fired).toEqual(['first', 'second']);
    expect(wheel.size).toBe(1);
  });

  it('rejects a non-positive resolution', () => {
    expect(() => new DeadlineWheel({ onDue: () => {}, resolutionMs: 0 })).toThrow(RangeError);
  });
});
