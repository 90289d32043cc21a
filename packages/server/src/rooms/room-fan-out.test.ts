import { describe, expect, it } from 'vitest';
import { msgpackCodec } from '@switchyard/protocol/msgpack';
import { startTestServer } from '../testing/index.js';
import { RawClient, sleep } from '../test-support/raw-client.js';

describe('several rooms at once, and shutdown with presence', () => {
  it('to(a).to(b) delivers once to a member of both rooms, on both wire formats', async () => {
    const t = await startTestServer();
    try {
      const both = await RawClient.connect(t.url, { token: t.token('both') });
      const bothMp = await RawClient.connect(t.url, { token: t.token('both-mp'), codec: msgpackCodec });
      const onlyB = await RawClient.connect(t.url, { token: t.token('only-b') });
      for (const c of [both, bothMp]) {
        await c.join('a');
        await c.join('b');
      }
      await onlyB.join('b');
      expect(t.server.to('a').to('b').emit('once', 1)).toBe(3);
      for (const c of [both, bothMp, onlyB]) await c.next((e) => e.t === 'push' && e.event === 'once');
      t.server.to('a').emit('marker', 2);
      for (const c of [both, bothMp]) await c.next((e) => e.t === 'push' && e.event === 'marker');
      for (const c of [both, bothMp]) {
        expect(c.received.filter((e) => e.t === 'push' && e.event === 'once')).toHaveLength(1);
      }
    } finally {
      await t.close();
    }
  });

  it('closing the server sends no presence leaves to members that are closing too', async () => {
    const t = await startTestServer();
    const members: RawClient[] = [];
    for (let i = 0; i < 30; i++) {
      const c = await RawClient.connect(t.url, { token: t.token(`u${i}`) });
      await c.join('big', true);
      members.push(c);
    }
    // Member i hears the joins of the members after it.
    const presences = () => members.map((c) => c.received.filter((e) => e.t === 'presence').length);
    const expected = members.map((_, i) => members.length - 1 - i);
    for (let i = 0; i < 200 && presences().join() !== expected.join(); i++) await sleep(10);
    const before = presences();
    expect(before).toEqual(expected);
    await t.close();
    await Promise.all(members.map((c) => c.closed));
    expect(presences()).toEqual(before);
    expect(members.every((c) => c.received.some((e) => e.t === 'notice' && e.code === 'SHUTDOWN'))).toBe(true);
  });
});
