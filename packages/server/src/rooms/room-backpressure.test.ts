import { describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { RawClient, sleep } from '../test-support/raw-client.js';

// The slow-consumer policy through real sockets: close, or pause and catch up with a GAP.
describe('slow consumers', () => {
  const big = 'x'.repeat(16 * 1024);

  async function flood(t: TestServer, room: string, until: () => boolean): Promise<void> {
    for (let i = 0; i < 2000 && !until(); i++) {
      for (let j = 0; j < 10; j++) t.server.to(room).emit('big', big);
      await sleep(2);
    }
  }

  it('closes a consumer over maxBackpressure with 4201 in a close-policy room', async () => {
    const t = await startTestServer({ limits: { maxBackpressure: 256 * 1024 } });
    try {
      const info: { code: number; reason: string }[] = [];
      t.server.on('disconnect', (_conn, i) => info.push(i));
      const slow = await RawClient.connect(t.url, { token: t.token('slow') });
      await slow.join('firehose');
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      await flood(t, 'firehose', () => info.length > 0);
      expect(info).toEqual([{ code: 4201, reason: 'slow_consumer' }]);
      slow.ws.terminate();
    } finally {
      await t.close();
    }
  }, 20_000);

  it('pauses a consumer in a drop-policy room and tells it what it missed when it catches up', async () => {
    const t = await startTestServer({
      limits: { maxBackpressure: 256 * 1024 },
      rooms: [{ pattern: 'ticker:*', slowConsumer: 'drop' }],
    });
    try {
      const slow = await RawClient.connect(t.url, { token: t.token('slow') });
      await slow.join('ticker:1');
      const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      let paused = false;
      for (let i = 0; i < 2000 && !paused; i++) {
        for (let j = 0; j < 10; j++) if (t.server.to('ticker:1').emit('big', big) === 0) paused = true;
        await sleep(2);
      }
      expect(paused).toBe(true);
      expect(t.server.connectionCount).toBe(1);
      // Messages published while it is paused are skipped for it.
      for (let i = 0; i < 5; i++) expect(t.server.to('ticker:1').emit('big', big)).toBe(0);
      // Several exclusions send member by member: the paused member is skipped there too, and counted.
      const others = [
        await RawClient.connect(t.url, { token: t.token('a') }),
        await RawClient.connect(t.url, { token: t.token('b') }),
      ];
      for (const other of others) await other.join('ticker:1');
      const excluded = [...t.server.userConnections('a'), ...t.server.userConnections('b')];
      expect(t.server.to('ticker:1').except(excluded).emit('big', big)).toBe(0);
      for (const other of others) await other.close();
      socket.resume();
      const gap = await slow.next((e) => e.t === 'notice' && e.code === 'GAP', 10_000);
      expect(gap).toMatchObject({ t: 'notice', code: 'GAP', room: 'ticker:1', missed: expect.any(Number) as unknown });
      expect((gap as { missed: number }).missed).toBeGreaterThanOrEqual(6);
      // Resubscribed: new messages arrive again.
      expect(t.server.to('ticker:1').emit('small', 1)).toBe(1);
      expect(await slow.next((e) => e.t === 'push' && e.event === 'small', 10_000)).toMatchObject({ data: 1 });
      await slow.close();
    } finally {
      await t.close();
    }
  }, 30_000);
});
