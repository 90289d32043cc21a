import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonCodec, type Codec } from '@switchyard/protocol';
import { msgpackCodec } from '@switchyard/protocol/msgpack';
import type { Connection } from '../session/connection.js';
import { startTestServer, type TestServer } from '../testing/index.js';
import { RawClient, eventually, sleep } from '../test-support/raw-client.js';

const codecs: [string, Codec][] = [
  ['json', jsonCodec],
  ['msgpack', msgpackCodec],
];

describe('rooms and fan-out', () => {
  let t: TestServer;
  const clients: RawClient[] = [];
  const connect = async (user: string, codec: Codec = jsonCodec, claims: Record<string, unknown> = {}) => {
    const c = await RawClient.connect(t.url, { token: t.token(user, claims), codec });
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    // Rooms open to client publishing (off by default), as a chat's are.
    t = await startTestServer({ rooms: [{ pattern: '*', clientPublish: true }] });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await t.close();
  });

  it('never delivers a room message to a non-member, on either codec', async () => {
    const inA = [await connect('a1', jsonCodec), await connect('a2', msgpackCodec)];
    const inB = [await connect('b1', jsonCodec), await connect('b2', msgpackCodec)];
    const none = [await connect('n1', jsonCodec), await connect('n2', msgpackCodec)];
    for (const c of inA) await c.join('room-a');
    for (const c of inB) await c.join('room-b');
    const sender = await connect('s', msgpackCodec);
    await sender.call((id) => ({ t: 'publish', id, room: 'room-a', event: 'm', data: { n: 1 } }));
    await sender.call((id) => ({ t: 'publish', id, room: 'room-b', event: 'm', data: { n: 2 } }));
    expect(t.server.to('room-a').emit('srv', { n: 3 })).toBe(2);
    for (const c of inA) {
      expect(await c.next((e) => e.t === 'push' && e.event === 'srv')).toMatchObject({ room: 'room-a' });
      expect(c.pushes('room-a').map((p) => p.data)).toEqual([{ n: 1 }, { n: 3 }]);
    }
    for (const c of inB) {
      await c.next((e) => e.t === 'push');
      expect(c.pushes('room-b').map((p) => p.data)).toEqual([{ n: 2 }]);
    }
    // Round-trip to every bystander so anything misrouted would have arrived by now.
    for (const c of [...none, ...inB]) await c.call((id) => ({ t: 'presence-get', id, room: 'room-a' }));
    for (const c of none) expect(c.received.filter((e) => e.t === 'push')).toEqual([]);
    for (const c of inB) expect(c.pushes('room-a')).toEqual([]);
  });

  it.each(codecs)('excludes the sender of a client publish (%s sender)', async (_name, codec) => {
    const sender = await connect('s', codec);
    const peerJ = await connect('pj', jsonCodec);
    const peerM = await connect('pm', msgpackCodec);
    for (const c of [sender, peerJ, peerM]) await c.join('chat');
    await sender.call((id) => ({ t: 'publish', id, room: 'chat', event: 'hello', data: 'x' }));
    await peerJ.next((e) => e.t === 'push');
    await peerM.next((e) => e.t === 'push');
    await sender.call((id) => ({ t: 'presence-get', id, room: 'chat' }));
    expect(sender.pushes('chat')).toEqual([]);
  });

  it('server.to().except() skips the excluded connection; several exclusions too', async () => {
    let serverConns: Connection[] = [];
    t.server.on('connection', (conn) => serverConns.push(conn));
    const cs = [await connect('u1'), await connect('u2', msgpackCodec), await connect('u3')];
    for (const c of cs) await c.join('r');
    const byUser = (u: string) => serverConns.find((c) => c.userId === u)!;
    const base = t.server.to('r');
    expect(base.except(byUser('u1')).emit('one', 1)).toBe(2);
    expect(base.except([byUser('u1'), byUser('u2')]).emit('two', 2)).toBe(1);
    expect(base.emit('three', 3)).toBe(3);
    await cs[2]!.next((e) => e.t === 'push' && e.event === 'three');
    await cs[1]!.next((e) => e.t === 'push' && e.event === 'three');
    await cs[0]!.next((e) => e.t === 'push' && e.event === 'three');
    expect(cs[0]!.pushes('r').map((p) => p.event)).toEqual(['three']);
    expect(cs[1]!.pushes('r').map((p) => p.event)).toEqual(['one', 'three']);
    expect(cs[2]!.pushes('r').map((p) => p.event)).toEqual(['one', 'two', 'three']);
    serverConns = [];
  });

  it('delivers a burst of 100 publishes from one client, in order, to both codecs', async () => {
    const sender = await connect('burst');
    const subJ = await connect('sj', jsonCodec);
    const subM = await connect('sm', msgpackCodec);
    for (const c of [sender, subJ, subM]) await c.join('burst');
    for (let i = 0; i < 100; i++) sender.send({ t: 'publish', room: 'burst', event: 'n', data: i });
    for (const sub of [subJ, subM]) {
      await sub.next((e) => e.t === 'push' && e.data === 99, 10_000);
      expect(sub.pushes('burst').map((p) => p.data)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }
  });

  it('refuses joins and publishes outside the token rooms claim, and publishes where clients may not publish', async () => {
    await t.close();
    t = await startTestServer({ rooms: [{ pattern: 'chat:*', clientPublish: true }] });
    const c = await connect('limited', jsonCodec, { rooms: ['chat:*', 'feed:*'] });
    expect(await c.join('chat:1')).toMatchObject({ ok: true });
    expect(await c.join('admin')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await c.join('feed:news')).toMatchObject({ ok: true });
    const denied = await c.call((id) => ({ t: 'publish', id, room: 'feed:news', event: 'x' }));
    expect(denied).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const outside = await c.call((id) => ({ t: 'publish', id, room: 'admin', event: 'x' }));
    expect(outside).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await c.call((id) => ({ t: 'publish', id, room: 'chat:1', event: 'x' }))).toMatchObject({ ok: true });
    expect(await c.join('bad room!')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('applies authorize hooks, sync and async, per action', async () => {
    t.server.authorize((ctx, action, room) => !(action === 'join' && room === 'vip' && ctx.userId !== 'boss'));
    t.server.authorize(async (_ctx, action, room) => {
      await sleep(5);
      return !(action === 'presence' && room === 'secret');
    });
    const worker = await connect('worker');
    const boss = await connect('boss');
    expect(await worker.join('vip')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await boss.join('vip')).toMatchObject({ ok: true });
    expect(await boss.call((id) => ({ t: 'presence-get', id, room: 'secret' }))).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    // Publishes behind an async hook keep their order.
    for (let i = 0; i < 20; i++) worker.send({ t: 'publish', room: 'vip', event: 'n', data: i });
    await boss.next((e) => e.t === 'push' && e.data === 19);
    expect(boss.pushes('vip').map((p) => p.data)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('a throwing authorize hook denies with FORBIDDEN', async () => {
    t.server.authorize(() => {
      throw new Error('db down');
    });
    const c = await connect('x');
    expect(await c.join('r')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('enforces the per-connection room limit', async () => {
    await t.close();
    t = await startTestServer({ limits: { maxRoomsPerConnection: 2 } });
    const c = await connect('x');
    await c.join('r1');
    await c.join('r2');
    expect(await c.join('r2')).toMatchObject({ ok: true });
    expect(await c.join('r3')).toMatchObject({ ok: false, error: { code: 'LIMIT_EXCEEDED' } });
    await c.call((id) => ({ t: 'leave', id, room: 'r1' }));
    expect(await c.join('r3')).toMatchObject({ ok: true });
  });
});

describe('users, presence and listings', () => {
  let t: TestServer;
  const clients: RawClient[] = [];
  const connect = async (user: string, codec: Codec = jsonCodec) => {
    const c = await RawClient.connect(t.url, { token: t.token(user), codec });
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await t.close();
  });

  it('tracks presence with per-user connection counts and announces first join and last leave', async () => {
    const watcher = await connect('watcher', msgpackCodec);
    const joined = await watcher.join('lobby', true);
    expect(joined).toMatchObject({
      ok: true,
      data: { room: 'lobby', presence: { room: 'lobby', members: [{ userId: 'watcher', connections: 1 }] } },
    });
    const a1 = await connect('alice');
    const a2 = await connect('alice', msgpackCodec);
    await a1.join('lobby');
    expect(await watcher.next((e) => e.t === 'presence')).toEqual({
      t: 'presence',
      room: 'lobby',
      change: 'join',
      userId: 'alice',
      connections: 1,
    });
    await a2.join('lobby');
    expect(t.server.presence('lobby').members).toEqual([
      { userId: 'alice', connections: 2 },
      { userId: 'watcher', connections: 1 },
    ]);
    const got = await a1.call((id) => ({ t: 'presence-get', id, room: 'lobby' }));
    expect(got).toMatchObject({
      ok: true,
      data: {
        room: 'lobby',
        members: [
          { userId: 'alice', connections: 2 },
          { userId: 'watcher', connections: 1 },
        ],
      },
    });
    await a1.close();
    await sleep(50);
    expect(t.server.presence('lobby').members).toContainEqual({ userId: 'alice', connections: 1 });
    await a2.call((id) => ({ t: 'leave', id, room: 'lobby' }));
    expect(await watcher.next((e) => e.t === 'presence' && e.change === 'leave')).toEqual({
      t: 'presence',
      room: 'lobby',
      change: 'leave',
      userId: 'alice',
      connections: 0,
    });
    // Exactly one join and one leave: the second connection and the first close announced nothing.
    expect(watcher.received.filter((e) => e.t === 'presence')).toHaveLength(2);
    expect(t.server.rooms()).toEqual([{ room: 'lobby', members: 1, connections: 1 }]);
  });

  it('members that did not ask for presence get no presence envelopes', async () => {
    const quiet = await connect('quiet');
    await quiet.join('r');
    const other = await connect('other');
    await other.join('r');
    await quiet.call((id) => ({ t: 'presence-get', id, room: 'r' }));
    expect(quiet.received.filter((e) => e.t === 'presence')).toEqual([]);
  });

  it('a closed connection leaves every room', async () => {
    const c = await connect('gone');
    await c.join('r1');
    await c.join('r2');
    expect(
      t.server
        .rooms()
        .map((r) => r.room)
        .sort(),
    ).toEqual(['r1', 'r2']);
    await c.close();
    await sleep(50);
    expect(t.server.rooms()).toEqual([]);
  });

  it('toUser reaches every connection of a user; joinUser joins them all; disconnectUser closes them', async () => {
    const b1 = await connect('bob');
    const b2 = await connect('bob', msgpackCodec);
    const carol = await connect('carol');
    expect(t.server.toUser('bob').emit('direct', { hi: 1 })).toBe(2);
    for (const c of [b1, b2])
      expect(await c.next((e) => e.t === 'push')).toEqual({ t: 'push', event: 'direct', data: { hi: 1 } });
    expect(t.server.joinUser('bob', 'team')).toBe(2);
    expect(t.server.presence('team').members).toEqual([{ userId: 'bob', connections: 2 }]);
    expect(t.server.to('team').emit('t', 1)).toBe(2);
    expect(t.server.disconnectUser('bob')).toBe(2);
    expect((await b1.closed).code).toBe(4002);
    expect((await b2.closed).code).toBe(4002);
    await carol.call((id) => ({ t: 'presence-get', id, room: 'team' }));
    expect(carol.received.filter((e) => e.t === 'push')).toEqual([]);
  });

  it("a user's connections are found while they go from one to three and back to none", async () => {
    const count = (user: string) => t.server.userConnections(user).length;
    const a = await connect('dana');
    expect(count('dana')).toBe(1);
    const b = await connect('dana');
    await connect('dana', msgpackCodec);
    expect(count('dana')).toBe(3);
    expect(t.server.toUser('dana').emit('n', 1)).toBe(3);
    await b.close();
    await eventually('two connections of dana', () => count('dana') === 2);
    expect(t.server.toUser('dana').emit('n', 2)).toBe(2);
    await a.close();
    await eventually('one connection of dana', () => count('dana') === 1);
    expect(t.server.toUser('dana').emit('n', 3)).toBe(1);
    expect(t.server.disconnectUser('dana')).toBe(1);
    await eventually('no connection of dana', () => count('dana') === 0);
    expect(t.server.toUser('dana').emit('n', 4)).toBe(0);
  });
});
