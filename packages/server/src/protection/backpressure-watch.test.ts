import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackpressureWatch } from './backpressure-watch.js';

function setup(rooms: Record<string, string[]>) {
  const checked: string[] = [];
  const watch = new BackpressureWatch<string>({
    intervalMs: 100,
    membersOf: (room) => rooms[room] ?? [],
    check: (conn) => checked.push(conn),
  });
  return { watch, checked };
}

describe('BackpressureWatch', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs no timer while nothing is published', () => {
    const { watch, checked } = setup({ a: ['x'] });
    expect(watch.scheduled).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(checked).toEqual([]);
  });

  it('looks at the members of a published room once, intervalMs after the first publish', () => {
    const { watch, checked } = setup({ a: ['x', 'y'], b: ['z'] });
    watch.published('a');
    vi.advanceTimersByTime(60);
    watch.published('a');
    expect(checked).toEqual([]);
    vi.advanceTimersByTime(39);
    expect(checked).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(checked).toEqual(['x', 'y']);
    expect(watch.scheduled).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(checked).toEqual(['x', 'y']);
  });

  it('looks at every room marked before the look, and only those', () => {
    const { watch, checked } = setup({ a: ['x'], b: ['y'], c: ['z'] });
    watch.published('a');
    vi.advanceTimersByTime(90);
    watch.published('b');
    vi.advanceTimersByTime(10);
    expect(checked).toEqual(['x', 'y']);
  });

  it('a publish during a look is looked at on the next one', () => {
    const rooms = { a: ['x'], b: ['y'] };
    const checked: string[] = [];
    const watch: BackpressureWatch<string> = new BackpressureWatch<string>({
      intervalMs: 100,
      membersOf: (room) => rooms[room as 'a' | 'b'],
      // Checking x closes it, which publishes a presence change to room b.
      check: (conn) => {
        checked.push(conn);
        if (conn === 'x') watch.published('b');
      },
    });
    watch.published('a');
    vi.advanceTimersByTime(100);
    expect(checked).toEqual(['x']);
    expect(watch.scheduled).toBe(true);
    vi.advanceTimersByTime(100);
    expect(checked).toEqual(['x', 'y']);
  });

  it('stops on close', () => {
    const { watch, checked } = setup({ a: ['x'] });
    watch.published('a');
    watch.close();
    watch.published('a');
    vi.advanceTimersByTime(1000);
    expect(checked).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
