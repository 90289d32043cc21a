import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { startTestServer, type TestServer } from '../testing/index.js';

// Server emits leave in a batch after the uWS callback they were made in (a request handler and
// its `await` continuations run inside it); these check what that must not change.
describe('server emits made inside a request handler (real sockets)', () => {
  let t: TestServer | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await t?.close();
  });

  const connect = async (server: TestServer, user: string) => {
    const c = await RawClient.connect(server.url, { token: server.token(user) });
    clients.push(c);
    return c;
  };

  it('a burst reaches every member in order; emit() still counts its recipients', async () => {
    const server = (t = await startTestServer());
    const counts: number[] = [];
    server.server.onRequest('burst', async (_ctx, n: number) => {
      for (let i = 0; i < n; i++) counts.push(server.server.to('room').emit('b', { i }));
      await Promise.resolve();
      for (let i = n; i < 2 * n; i++) counts.push(server.server.to('room').emit('b', { i }));
      return n;
    });
    const members = [await connect(server, 'a'), await connect(server, 'b'), await connect(server, 'c')];
    for (const m of members) expect((await m.join('room')).ok).toBe(true);
    const reply = await members[0]!.call((id) => ({ t: 'request', id, name: 'burst', data: 200 }));
    expect(reply.ok).toBe(true);
    expect(counts).toEqual(Array.from({ length: 400 }, () => 3));
    for (const m of members) {
      await m.waitPushes('room', 400);
      expect(m.pushes('room').map((p) => (p.data as { i: number }).i)).toEqual(
        Array.from({ length: 400 }, (_, i) => i),
      );
    }
  });

  it('a member joining later in the handler does not receive what was emitted before it joined', async () => {
    const server = (t = await startTestServer());
    server.server.onRequest('admit', () => {
      server.server.to('room').emit('before', 1);
      server.server.joinUser('late', 'room');
      server.server.to('room').emit('after', 2);
      return true;
    });
    const member = await connect(server, 'member');
    const late = await connect(server, 'late');
    expect((await member.join('room')).ok).toBe(true);
    expect((await member.call((id) => ({ t: 'request', id, name: 'admit' }))).ok).toBe(true);
    await member.waitPushes('room', 2);
    await late.waitPushes('room', 1);
    // A round trip after the emits: anything still to arrive would be in by now.
    await late.call((id) => ({ t: 'presence-get', id, room: 'room' }));
    expect(member.pushes('room').map((p) => p.event)).toEqual(['before', 'after']);
    expect(late.pushes('room').map((p) => p.event)).toEqual(['after']);
  });

  it('a push emitted by a request handler arrives before the reply of that handler', async () => {
    const server = (t = await startTestServer());
    server.server.onRequest('say', async (_ctx, text: string) => {
      server.server.to('room').emit('said', text);
      await Promise.resolve();
      server.server.to('room').emit('said', `${text} again`);
      return 'done';
    });
    const member = await connect(server, 'member');
    expect((await member.join('room')).ok).toBe(true);
    const reply = await member.call((id) => ({ t: 'request', id, name: 'say', data: 'hi' }));
    expect(reply).toMatchObject({ ok: true, data: 'done' });
    const order = member.received
      .filter((e) => e.t === 'push' || (e.t === 'reply' && e.id === reply.id))
      .map((e) => (e.t === 'push' ? e.data : e.t));
    expect(order).toEqual(['hi', 'hi again', 'reply']);
  });
});
