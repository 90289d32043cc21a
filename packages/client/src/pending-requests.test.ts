import { describe, expect, it } from 'vitest';
import { ClientError } from './errors.js';
import { PendingRequests } from './pending-requests.js';
import { ManualClock } from './testing/manual-clock.js';

describe('pending requests', () => {
  it('settles each request once, with its reply, an error reply or a timeout', async () => {
    const clock = new ManualClock();
    const pending = new PendingRequests(clock);
    const a = pending.nextId();
    const b = pending.nextId();
    const c = pending.nextId();
    expect([a, b, c]).toEqual([1, 2, 3]);
    const ra = pending.wait(a, 'a', 1_000, false);
    const rb = pending.wait(b, 'b', 1_000, false);
    const rc = pending.wait(c, 'c', 1_000, false);
    expect(pending.settle({ t: 'reply', id: a, ok: true, data: 'A' })).toBe(true);
    expect(pending.settle({ t: 'reply', id: a, ok: true, data: 'again' })).toBe(false);
    pending.settle({ t: 'reply', id: b, ok: false, error: { code: 'FORBIDDEN', message: 'no' } });
    clock.advance(1_000);
    await expect(ra).resolves.toBe('A');
    await expect(rb).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'no' });
    await expect(rc).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(clock.pending()).toEqual([]);
  });

  it('on disconnect rejects plain calls and hands back retryable ones in order', async () => {
    const clock = new ManualClock();
    const pending = new PendingRequests(clock);
    const ids = [pending.nextId(), pending.nextId(), pending.nextId()];
    const [p1, p2, p3] = ids.map((id, i) => pending.wait(id, `f${id}`, 10_000, i !== 1));
    for (const id of ids) pending.queued(id).sent();
    const resend = pending.disconnect(new ClientError('DISCONNECTED', 'lost'), true);
    expect(resend.map((q) => q.frame)).toEqual(['f1', 'f3']);
    await expect(p2).rejects.toMatchObject({ code: 'DISCONNECTED' });
    resend[1]?.fail(new ClientError('LIMIT_EXCEEDED', 'full'));
    await expect(p3).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(resend[0]?.live()).toBe(true);
    pending.settle({ t: 'reply', id: 1, ok: true, data: 1 });
    expect(resend[0]?.live()).toBe(false);
    await expect(p1).resolves.toBe(1);
  });

  it('on disconnect leaves calls still in the send queue alone, unless the session is over', async () => {
    const clock = new ManualClock();
    const pending = new PendingRequests(clock);
    const [a, b] = [pending.nextId(), pending.nextId()];
    const ra = pending.wait(a, 'a', 10_000, false);
    const rb = pending.wait(b, 'b', 10_000, true);
    expect(pending.disconnect(new ClientError('DISCONNECTED', 'lost'), true)).toEqual([]);
    expect([pending.queued(a).live(), pending.queued(b).live()]).toEqual([true, true]);
    pending.disconnect(new ClientError('DISCONNECTED', 'closed'), false);
    await expect(ra).rejects.toMatchObject({ message: 'closed' });
    await expect(rb).rejects.toMatchObject({ message: 'closed' });
  });
});
