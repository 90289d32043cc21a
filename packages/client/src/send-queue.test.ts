import { describe, expect, it } from 'vitest';
import { ClientError } from './errors.js';
import { SendQueue, type QueuedFrame } from './send-queue.js';
import { ManualClock } from './testing/manual-clock.js';

function frame(name: string, log: string[], live = () => true): QueuedFrame {
  return { frame: name, sent: () => log.push(`sent ${name}`), fail: (e) => log.push(`${e.code} ${name}`), live };
}

describe('send queue', () => {
  it('flushes in order, rejects overflow and expired frames', () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const queue = new SendQueue(clock, 2, 1_000);
    queue.push(frame('a', log));
    clock.advance(500);
    queue.push(frame('b', log));
    queue.push(frame('c', log));
    expect(log).toEqual(['LIMIT_EXCEEDED c']);
    clock.advance(500);
    expect(log).toEqual(['LIMIT_EXCEEDED c', 'DISCONNECTED a']);
    const wire: unknown[] = [];
    queue.flush((f) => (wire.push(f), true));
    expect(wire).toEqual(['b']);
    expect(log.at(-1)).toBe('sent b');
    clock.advance(10_000);
    expect(log).toHaveLength(3);
  });

  it('stops when the socket refuses, skips dead frames, fails one that is too large', () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const queue = new SendQueue(clock, 10, 1_000);
    queue.unshift([frame('retry', log)]);
    queue.push(frame('dead', log, () => false));
    queue.push(frame('huge', log));
    queue.push(frame('x', log));
    queue.flush((f) => f === 'retry');
    expect(log).toEqual(['sent retry']);
    queue.flush((f) => (f === 'huge' ? new ClientError('PAYLOAD_TOO_LARGE', 'big') : true));
    expect(log).toEqual(['sent retry', 'PAYLOAD_TOO_LARGE huge', 'sent x']);
    queue.push(frame('y', log));
    queue.failAll(new ClientError('DISCONNECTED', 'closed'));
    expect(log.at(-1)).toBe('DISCONNECTED y');
    expect(clock.pending()).toEqual([]);
  });
});
