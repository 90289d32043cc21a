import { randomBytes, randomUUID } from 'node:crypto';
import { jsonCodec, jsonV2Codec, type Codec, type ServerEnvelope } from '@switchyard/protocol';
import { msgpackCodec, msgpackV2Codec } from '@switchyard/protocol/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually as poll, RawClient } from '../test-support/raw-client.js';
import { startTestServer, type TestServer } from '../testing/index.js';

const eventually = (what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> =>
  poll(what, check, ms);

// Two real nodes on the machine's Redis, each cluster under a prefix of its own (the service is
// shared: nothing here flushes or stops it). Fault cases with a private redis-server are in
// cluster-faults.e2e.test.ts.
const REDIS_URL = 'redis://127.0.0.1:6379';
const API_KEY = 'cluster-test-api-key-0123456789';

const servers: TestServer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function cluster(size: number, options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer[]> {
  const secret = randomBytes(32).toString('hex');
  const prefix = `switchyard-test-${randomUUID()}`;
  const nodes = await Promise.all(
    Array.from({ length: size }, () =>
      startTestServer({
        secret,
        apiKey: API_KEY,
        redis: { url: REDIS_URL, prefix },
        rooms: [{ pattern: '*', clientPublish: true }],
        ...options,
      }),
    ),
  );
  servers.push(...nodes);
  return nodes;
}

async function connect(node: TestServer, user: string, codec: Codec = jsonV2Codec): Promise<RawClient> {
  const c = await RawClient.connect(node.url, { token: node.token(user), codec });
  clients.push(c);
  return c;
}

async function api(node: TestServer, method: string, path: string, body?: unknown) {
  const res = await fetch(`${node.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const isPush = (event: string) => (e: ServerEnvelope) => e.t === 'push' && e.event === event;

/** Waits until `check` holds, polling; fails with `what` after `ms`. */

describe('a cluster of two nodes on Redis', () => {
  it('delivers client publishes, server emits and HTTP publishes to members on the other node, in every wire format', async () => {
    const [a, b] = await cluster(2);
    const sender = await connect(a!, 'alice');
    const local = await connect(a!, 'ann', msgpackV2Codec);
    const remote = [
      await connect(b!, 'bob', jsonV2Codec),
      await connect(b!, 'bea', msgpackV2Codec),
      await connect(b!, 'ben', jsonCodec),
      await connect(b!, 'bo', msgpackCodec),
    ];
    for (const c of [sender, local, ...remote]) expect((await c.join('chat')).ok).toBe(true);

    sender.send({ t: 'publish', room: 'chat', event: 'from-client', data: { n: 1 } });
    a!.server.to('chat').emit('from-server', { n: 2 });
    const published = await api(b!, 'POST', '/v1/publish', { room: 'chat', event: 'from-http', data: { n: 3 } });
    expect(published.status).toBe(200);

    // Client publishes leave in the next batch, server emits at once: compare as sets.
    for (const c of [local, ...remote]) {
      await eventually(`three pushes on ${c.codec.subprotocol}`, () => c.pushes('chat').length >= 3);
      const byEvent = Object.fromEntries(c.pushes('chat').map((p) => [p.event, [p.data, p.from]]));
      // The publisher's user id crosses nodes inside the frame, in every wire format.
      expect(byEvent).toEqual({
        'from-client': [{ n: 1 }, 'alice'],
        'from-server': [{ n: 2 }, undefined],
        'from-http': [{ n: 3 }, undefined],
      });
      expect(c.pushes('chat')).toHaveLength(3);
    }
    // The publishing client never gets its own message back, from its node or through Redis.
    await sender.next(isPush('from-http'));
    expect(sender.pushes('chat').map((p) => p.event)).toEqual(['from-server', 'from-http']);
  });

  it('keeps one publisher’s order across nodes, each message once', async () => {
    const [a, b] = await cluster(2);
    const sender = await connect(a!, 'alice');
    const receiver = await connect(b!, 'bob');
    await sender.join('order');
    await receiver.join('order');
    for (let i = 0; i < 150; i++) sender.send({ t: 'publish', room: 'order', event: 'n', data: i });
    await receiver.next((e) => e.t === 'push' && e.data === 149, 10_000);
    expect(receiver.pushes('order').map((p) => p.data)).toEqual(Array.from({ length: 150 }, (_, i) => i));
  });

  it('counts recipients on the node that publishes: emit() and the HTTP reply say how many of its own members got it', async () => {
    const [a, b] = await cluster(2);
    await (await connect(a!, 'a1')).join('count');
    const remote = [await connect(b!, 'b1'), await connect(b!, 'b2')];
    for (const c of remote) await c.join('count');
    expect(a!.server.to('count').emit('e', 1)).toBe(1);
    expect((await api(b!, 'POST', '/v1/publish', { room: 'count', event: 'e', data: 2 })).json).toEqual({
      recipients: 2,
    });
    for (const c of remote) await c.next((e) => e.t === 'push' && e.data === 1);
  });

  it('reaches a user on every node: toUser, disconnectUser and POST /v1/users/:id/disconnect', async () => {
    const [a, b] = await cluster(2);
    const onA = await connect(a!, 'carol');
    const onB = await connect(b!, 'carol', msgpackV2Codec);
    expect(a!.server.toUser('carol').emit('direct', { hi: 1 })).toBe(1);
    for (const c of [onA, onB]) expect(await c.next(isPush('direct'))).toMatchObject({ data: { hi: 1 } });

    expect(b!.server.disconnectUser('carol', 4101)).toBe(1);
    expect((await onA.closed).code).toBe(4101);
    expect((await onB.closed).code).toBe(4101);

    const again = [await connect(a!, 'dave'), await connect(b!, 'dave')];
    expect((await api(a!, 'POST', '/v1/users/dave/disconnect')).json).toEqual({ disconnected: 1 });
    for (const c of again) expect((await c.closed).code).toBe(4002);
  });

  it('answers presence for the whole cluster and announces joins and leaves across nodes', async () => {
    const [a, b] = await cluster(2);
    const watcher = await connect(a!, 'wendy');
    await watcher.join('lobby', true);
    const bob1 = await connect(b!, 'bob');
    const bob2 = await connect(a!, 'bob');
    const joined = await bob1.join('lobby', true);
    expect(joined.ok && (joined.data as { presence: unknown }).presence).toEqual({
      room: 'lobby',
      members: [
        { userId: 'bob', connections: 1 },
        { userId: 'wendy', connections: 1 },
      ],
    });
    expect(await watcher.next((e) => e.t === 'presence')).toEqual({
      t: 'presence',
      room: 'lobby',
      change: 'join',
      userId: 'bob',
      connections: 1,
    });
    // bob's second connection, on the other node, is not a presence change.
    await bob2.join('lobby');
    const id = watcher.id();
    watcher.send({ t: 'presence-get', id, room: 'lobby' });
    const reply = await watcher.next((e) => e.t === 'reply' && e.id === id);
    expect(reply).toMatchObject({
      ok: true,
      data: {
        room: 'lobby',
        members: [
          { userId: 'bob', connections: 2 },
          { userId: 'wendy', connections: 1 },
        ],
      },
    });
    expect((await api(b!, 'GET', '/v1/rooms/lobby/presence')).json).toEqual({
      room: 'lobby',
      members: [
        { userId: 'bob', connections: 2 },
        { userId: 'wendy', connections: 1 },
      ],
    });
    expect((await api(b!, 'GET', '/v1/rooms')).json).toEqual({ rooms: [{ room: 'lobby', members: 2 }] });
    expect(await a!.server.fetchPresence('lobby')).toEqual(await b!.server.fetchPresence('lobby'));

    bob1.ws.terminate();
    bob2.ws.terminate();
    expect(await watcher.next((e) => e.t === 'presence')).toEqual({
      t: 'presence',
      room: 'lobby',
      change: 'leave',
      userId: 'bob',
      connections: 0,
    });
    await eventually('bob gone from the cluster presence', async () => {
      const snapshot = await b!.server.fetchPresence('lobby');
      return snapshot.members.length === 1;
    });
    expect(watcher.received.filter((e) => e.t === 'presence')).toHaveLength(2);
  });

  it('a single node without redis.url exposes no broker metrics and behaves as before', async () => {
    const node = await startTestServer();
    servers.push(node);
    const body = (await node.server.metrics.scrape()).body;
    expect(body).not.toContain('switchyard_broker_');
  });

  it('exposes the broker metrics on a cluster node', async () => {
    const [a, b] = await cluster(2);
    const s = await connect(a!, 'alice');
    const r = await connect(b!, 'bob');
    await s.join('m');
    await r.join('m');
    s.send({ t: 'publish', room: 'm', event: 'e', data: 1 });
    await r.next(isPush('e'));
    const body = (await a!.server.metrics.scrape()).body;
    expect(body).toMatch(/^switchyard_broker_connected 1$/m);
    expect(body).toMatch(/^switchyard_broker_published_total [1-9]/m);
  });
});
