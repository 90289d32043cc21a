import { describe, expect, it, vi } from 'vitest';
import { PendingRequests } from './pending-requests.js';

describe('PendingRequests', () => {
  it('settles each request once: reply, error reply, timeout or disconnect', async () => {
    vi.useFakeTimers();
    try {
      const outcomes: string[] = [];
      const pending = new PendingRequests((o) => outcomes.push(o));
      const a = pending.create('a', 1000);
      const b = pending.create('b', 1000);
      const c = pending.create('c', 1000);
      const d = pending.create('d', 5000);
      expect(new Set([a.id, b.id, c.id, d.id]).size).toBe(4);
      expect(pending.reply({ t: 'reply', id: a.id, ok: true, data: 'A' })).toBe(true);
      expect(pending.reply({ t: 'reply', id: b.id, ok: false, error: { code: 'FORBIDDEN', message: 'no' } })).toBe(
        true,
      );
      await expect(a.promise).resolves.toBe('A');
      await expect(b.promise).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const cDone = expect(c.promise).rejects.toMatchObject({ code: 'TIMEOUT' });
      vi.advanceTimersByTime(1000);
      await cDone;
      expect(pending.reply({ t: 'reply', id: c.id, ok: true })).toBe(false);
      pending.rejectAll();
      await expect(d.promise).rejects.toMatchObject({ code: 'DISCONNECTED' });
      expect(pending.size).toBe(0);
      expect(outcomes).toEqual(['ok', 'error', 'timeout', 'disconnected']);
    } finally {
      vi.useRealTimers();
    }
  });
});
