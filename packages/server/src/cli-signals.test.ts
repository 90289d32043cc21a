import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeOnSignals } from './cli-signals.js';

describe('closeOnSignals', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function harness(close: () => Promise<void>) {
    const signals = new EventEmitter();
    const exits: number[] = [];
    const messages: string[] = [];
    const closes: number[] = [];
    const clock = { ms: 0 };
    const result = closeOnSignals({ close: ({ graceMs }) => (closes.push(graceMs), close()) }, 2_000, {
      err: (text) => messages.push(text),
      signals,
      exit: (code) => exits.push(code),
      now: () => clock.ms,
    });
    const advance = (ms: number): void => {
      clock.ms += ms;
      vi.advanceTimersByTime(ms);
    };
    return { signals, exits, messages, closes, result, advance };
  }

  it('closes with the grace once the duplicate window has passed, and resolves 0', async () => {
    const h = harness(() => Promise.resolve());
    h.signals.emit('SIGTERM', 'SIGTERM');
    expect(h.closes).toEqual([]);
    h.advance(500);
    expect(h.closes).toEqual([2_000]);
    expect(await h.result).toBe(0);
    expect(h.exits).toEqual([]);
  });

  it('exits at once, non-zero, on a second, different signal within the window; the close never starts', () => {
    const h = harness(() => new Promise<void>(() => {}));
    h.signals.emit('SIGINT', 'SIGINT');
    h.signals.emit('SIGTERM', 'SIGTERM');
    expect(h.exits).toEqual([143]);
    expect(h.messages.at(-1)).toBe('SIGTERM again: exiting now');
    h.advance(1_000);
    expect(h.closes).toEqual([]);
    const again = harness(() => new Promise<void>(() => {}));
    again.signals.emit('SIGTERM', 'SIGTERM');
    again.signals.emit('SIGINT', 'SIGINT');
    expect(again.exits).toEqual([130]);
  });

  it('takes the same signal again within half a second as the first one (npm forwards Ctrl-C)', () => {
    const h = harness(() => new Promise<void>(() => {}));
    h.signals.emit('SIGINT', 'SIGINT');
    h.advance(20);
    h.signals.emit('SIGINT', 'SIGINT');
    expect(h.exits).toEqual([]);
    h.advance(480);
    expect(h.closes).toHaveLength(1);
  });

  it('removes its handlers when the shutdown starts, so a later signal takes the default action', () => {
    const h = harness(() => new Promise<void>(() => {}));
    expect(h.signals.listenerCount('SIGTERM')).toBe(1);
    expect(h.signals.listenerCount('SIGINT')).toBe(1);
    h.signals.emit('SIGTERM', 'SIGTERM');
    h.advance(500);
    expect(h.signals.listenerCount('SIGTERM')).toBe(0);
    expect(h.signals.listenerCount('SIGINT')).toBe(0);
  });

  it('resolves 1 when closing fails', async () => {
    const h = harness(() => Promise.reject(new Error('boom')));
    h.signals.emit('SIGINT', 'SIGINT');
    h.advance(500);
    expect(await h.result).toBe(1);
    expect(h.messages.at(-1)).toBe('error while closing: boom');
  });
});
