import { randomBytes } from 'node:crypto';
import { jsonV2Codec, type ServerEnvelope } from '@switchyard/protocol';
import { msgpackV2Codec } from '@switchyard/protocol/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { startTestRedis, type TestRedis } from '../test-support/redis-server.js';
import { startTestServer, type TestServer } from '../testing/index.js';

// Rooms with history across nodes: offsets agree, a client recovers on another node, and a Redis
// that loses its data starts a new epoch. A private redis-server, so it can be restarted.

const API_KEY = 'cluster-history-api-key-0123456789';
const ROOMS = [{ pattern: 'hist:*', history: { size: 100, ttlSec: 300 } }];
const servers: TestServer[] = [];
const clients: RawClient[] = [];
const redises: TestRedis[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(redises.splice(0).map((r) => r.stop()));
});

async function cluster(): Promise<{ redis: TestRedis; a: TestServer; b: TestServer }> {
  const redis = await startTestRedis();
  redises.push(redis);
  const secret = randomBytes(32).toString('hex');
  const [a, b] = await Promise.all(
    [0, 1].map(() =>
      startTestServer({
        secret,
        apiKey: API_KEY,
        rooms: [{ pattern: 'hist:room', clientPublish: true, history: { size: 100, ttlSec: 300 } }, ...ROOMS],
        redis: { url: redis.url },
      }),
    ),
  );
  servers.push(a!, b!);
  return { redis, a: a!, b: b! };
}

async function connect(node: TestServer, user: string, codec = jsonV2Codec): Promise<RawClient> {
  const c = await RawClient.connect(node.url, { token: node.token(user), codec });
  clients.push(c);
  return c;
}

type JoinData = { room: string; recovered?: boolean; offset?: number; epoch?: string };

async function join(c: RawClient, room: string, since?: { offset: number; epoch: string }): Promise<JoinData> {
  const reply = await c.call((id) => ({ t: 'join', id, room, ...(since ? { since } : {}) }));
  expect(reply.ok).toBe(true);
  return (reply as Extract<ServerEnvelope, { t: 'reply'; ok: true }>).data as JoinData;
}

describe('rooms with history in a cluster', () => {
  it('numbers every message once for the whole cluster, whichever node publishes, in the same order everywhere', async () => {
    const { a, b } = await cluster();
    const onA = await connect(a, 'a');
    const onB = await connect(b, 'b', msgpackV2Codec);
    const sender = await connect(a, 's');
    const joined = await join(onA, 'hist:room');
    expect(await join(onB, 'hist:room')).toEqual(joined);
    await join(sender, 'hist:room');
    const ack = await sender.call((id) => ({ t: 'publish', room: 'hist:room', event: 'm', data: 'client', id }));
    expect(ack.ok).toBe(true);
    a.server.to('hist:room').emit('m', 'emit-a');
    b.server.to('hist:room').emit('m', 'emit-b');
    const res = await fetch(`${b.httpUrl}/v1/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ room: 'hist:room', event: 'm', data: 'http' }),
    });
    expect(await res.json()).toEqual({ recipients: 1, offset: 4, epoch: joined.epoch });
    for (const c of [onA, onB]) await c.waitPushes('hist:room', 4, 8000);
    const seen = (c: RawClient) => c.pushes('hist:room').map((p) => [p.offset, p.epoch, p.data, p.from]);
    expect(seen(onA).map(([o]) => o)).toEqual([1, 2, 3, 4]);
    // Through Redis and back, on both wire formats, the client's message names its publisher.
    expect(seen(onA)[0]).toEqual([1, joined.epoch, 'client', 's']);
    expect(
      seen(onA)
        .slice(1)
        .map((p) => p[3]),
    ).toEqual([undefined, undefined, undefined]);
    expect(seen(onA)).toEqual(seen(onB));
    // The publishing client does not get its own message back.
    await sender.waitPushes('hist:room', 3, 8000);
    expect(sender.pushes('hist:room').map((p) => p.data)).not.toContain('client');
  }, 30_000);

  it('a client that reconnects to the other node recovers exactly what it missed', async () => {
    const { a, b } = await cluster();
    const reader = await connect(a, 'reader');
    const writer = await connect(b, 'writer');
    const joined = await join(reader, 'hist:r');
    await join(writer, 'hist:r');
    b.server.to('hist:r').emit('m', 1);
    await reader.waitPushes('hist:r', 1, 8000);
    reader.ws.terminate();
    for (let i = 2; i <= 6; i++) b.server.to('hist:r').emit('m', i);
    await writer.waitPushes('hist:r', 6, 8000);
    // Back on node A, which has no member of the room left: it subscribes anew and still recovers.
    const again = await connect(a, 'reader');
    const started = Date.now();
    const result = await join(again, 'hist:r', { offset: 1, epoch: joined.epoch! });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(result).toEqual({ room: 'hist:r', recovered: true, offset: 6, epoch: joined.epoch });
    a.server.to('hist:r').emit('m', 7);
    await again.waitPushes('hist:r', 6, 8000);
    expect(again.pushes('hist:r').map((p) => p.offset)).toEqual([2, 3, 4, 5, 6, 7]);
  }, 30_000);

  it('a Redis that loses its data starts a new epoch: old positions are answered recovered: false', async () => {
    const { redis, a, b } = await cluster();
    const c = await connect(a, 'c');
    const before = await join(c, 'hist:e');
    b.server.to('hist:e').emit('m', 1);
    await c.waitPushes('hist:e', 1, 8000);
    await redis.kill();
    await redis.restart();
    const d = await connect(b, 'd');
    let after: JoinData | undefined;
    const deadline = Date.now() + 10_000;
    while (after === undefined || after.epoch === undefined) {
      if (Date.now() > deadline) throw new Error('history did not come back after the Redis restart');
      after = await join(d, 'hist:e', { offset: 1, epoch: before.epoch! });
      if (after.epoch === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(after.recovered).toBe(false);
    expect(after.epoch).not.toBe(before.epoch);
  }, 30_000);
});
