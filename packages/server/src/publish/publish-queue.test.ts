import { describe, expect, it } from 'vitest';
import { DeferredQueue } from './publish-queue.js';

describe('DeferredQueue', () => {
  it('runs items later, in order, in one batch, and survives a throwing item', async () => {
    const ran: number[] = [];
    const errors: unknown[] = [];
    const q = new DeferredQueue<number>(
      (n) => {
        if (n === 2) throw new Error('bad');
        ran.push(n);
      },
      (e) => errors.push(e),
    );
    for (let i = 0; i < 5; i++) q.push(i);
    expect(ran).toEqual([]);
    expect(q.size).toBe(5);
    await new Promise((r) => setImmediate(r));
    expect(ran).toEqual([0, 1, 3, 4]);
    expect(errors).toHaveLength(1);
    q.push(9);
    q.flush();
    expect(ran.at(-1)).toBe(9);
  });
});
