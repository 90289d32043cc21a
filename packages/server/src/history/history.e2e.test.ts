import { jsonCodec, jsonV2Codec, type ServerEnvelope } from '@switchyard/protocol';
import { msgpackV2Codec } from '@switchyard/protocol/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { startTestServer, type TestServer } from '../testing/index.js';

const API_KEY = 'history-test-api-key-0123456789';
const ROOMS = [
  { pattern: 'hist:*', history: { size: 100, ttlSec: 300 } },
  { pattern: 'tiny:*', history: { size: 2, ttlSec: 300 } },
  { pattern: 'slow:*', slowConsumer: 'drop' as const, history: { size: 1000, ttlSec: 300 } },
];

const servers: TestServer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(secret?: string): Promise<TestServer> {
  const t = await startTestServer({ apiKey: API_KEY, rooms: ROOMS, ...(secret ? { secret } : {}) });
  servers.push(t);
  return t;
}

async function connect(
  t: TestServer,
  user: string,
  codec = jsonV2Codec,
  claims: Record<string, unknown> = {},
): Promise<RawClient> {
  const c = await RawClient.connect(t.url, { token: t.token(user, claims), codec });
  clients.push(c);
  return c;
}

type Reply = Extract<ServerEnvelope, { t: 'reply' }>;
type JoinData = { room: string; recovered?: boolean; offset?: number; epoch?: string };

async function join(c: RawClient, room: string, since?: { offset: number; epoch: string }): Promise<JoinData> {
  const reply = await c.call((id) => ({ t: 'join', id, room, ...(since ? { since } : {}) }));
  expect(reply.ok).toBe(true);
  return (reply as Extract<Reply, { ok: true }>).data as JoinData;
}

async function publishHttp(t: TestServer, room: string, data: unknown) {
  const res = await fetch(`${t.httpUrl}/v1/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ room, event: 'm', data }),
  });
  return (await res.json()) as { recipients: number; offset?: number; epoch?: string };
}

describe('rooms with history', () => {
  it('pushes carry offset and epoch in every wire format; other rooms carry neither', async () => {
    const t = await start();
    const v2 = await connect(t, 'a', jsonV2Codec);
    const v1 = await connect(t, 'b', jsonCodec);
    const mp = await connect(t, 'c', msgpackV2Codec);
    const joined = await join(v2, 'hist:a');
    expect(joined).toEqual({ room: 'hist:a', offset: 0, epoch: expect.any(String) as unknown });
    for (const c of [v1, mp]) await join(c, 'hist:a');
    await join(v2, 'plain');
    t.server.to('hist:a').emit('m', 1);
    t.server.to('hist:a').emit('m', 2);
    t.server.to('plain').emit('m', 3);
    for (const c of [v2, v1, mp]) {
      await c.waitPushes('hist:a', 2, 5000);
      expect(c.pushes('hist:a').map((p) => [p.offset, p.epoch])).toEqual([
        [1, joined.epoch],
        [2, joined.epoch],
      ]);
    }
    await v2.waitPushes('plain', 1, 5000);
    expect(v2.pushes('plain')[0]).toEqual({ t: 'push', event: 'm', data: 3, room: 'plain' });
  });

  it('a client that rejoins with since gets exactly the missed pushes, in order, before any live one', async () => {
    const t = await start();
    // The room policy keeps clients from publishing; the sender's token lets it.
    const sender = await connect(t, 'sender', jsonV2Codec, { publish: ['hist:*'] });
    const first = await connect(t, 'reader');
    const joined = await join(first, 'hist:r');
    await join(sender, 'hist:r');
    // From a client, a server emit and the HTTP API: one stream.
    sender.send({ t: 'publish', room: 'hist:r', event: 'm', data: 'c1' });
    await first.waitPushes('hist:r', 1, 5000);
    const last = first.pushes('hist:r')[0]!;
    first.ws.terminate();
    // A client publish leaves in the next batch: wait for its acknowledgement to fix the order.
    const ack = await sender.call((id) => ({ t: 'publish', room: 'hist:r', event: 'm', data: 'c2', id }));
    expect(ack.ok).toBe(true);
    t.server.to('hist:r').emit('m', 's3');
    const viaHttp = await publishHttp(t, 'hist:r', 'h4');
    expect(viaHttp).toEqual({ recipients: 1, offset: expect.any(Number) as unknown, epoch: joined.epoch });

    const again = await connect(t, 'reader');
    const result = await join(again, 'hist:r', { offset: last.offset!, epoch: last.epoch! });
    expect(result).toEqual({ room: 'hist:r', recovered: true, offset: 4, epoch: joined.epoch });
    t.server.to('hist:r').emit('m', 'live5');
    await again.waitPushes('hist:r', 4, 5000);
    // The replay keeps who published what: the client's message only carries `from`.
    expect(again.pushes('hist:r').map((p) => [p.offset, p.data, p.t === 'push' ? p.from : 'not a push'])).toEqual([
      [2, 'c2', 'sender'],
      [3, 's3', undefined],
      [4, 'h4', undefined],
      [5, 'live5', undefined],
    ]);
    // The reply came before the first recovered push.
    const replyAt = again.received.findIndex((e) => e.t === 'reply' && e.ok && 'data' in e);
    const firstPushAt = again.received.findIndex((e) => e.t === 'push');
    expect(replyAt).toBeLessThan(firstPushAt);
  });

  it('answers recovered: false for another epoch (a restarted server), for trimmed history and for rooms without history', async () => {
    const secret = 's'.repeat(40);
    const t1 = await start(secret);
    const c1 = await connect(t1, 'u');
    const before = await join(c1, 'hist:x');
    t1.server.to('hist:x').emit('m', 1);
    await c1.waitPushes('hist:x', 1, 5000);
    await t1.close();
    servers.splice(servers.indexOf(t1), 1);

    const t2 = await start(secret);
    const c2 = await connect(t2, 'u');
    const after = await join(c2, 'hist:x', { offset: 1, epoch: before.epoch! });
    expect(after.recovered).toBe(false);
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.offset).toBe(0);

    for (let i = 0; i < 5; i++) t2.server.to('tiny:y').emit('m', i);
    const tiny = await join(c2, 'tiny:y');
    expect(tiny.offset).toBe(5);
    const c3 = await connect(t2, 'v');
    expect((await join(c3, 'tiny:y', { offset: 1, epoch: tiny.epoch! })).recovered).toBe(false);
    expect((await join(c3, 'tiny:y', { offset: 3, epoch: tiny.epoch! })).recovered).toBe(true);
    expect(await join(c3, 'plain', { offset: 3, epoch: 'e' })).toEqual({ room: 'plain', recovered: false });
  });

  it('a member that joins again with since (after a GAP) gets the reply, then the pushes after since', async () => {
    const t = await start();
    const c = await connect(t, 'm');
    const joined = await join(c, 'hist:again');
    for (let i = 1; i <= 3; i++) t.server.to('hist:again').emit('m', i);
    await c.waitPushes('hist:again', 3, 5000);
    const result = await join(c, 'hist:again', { offset: 1, epoch: joined.epoch! });
    expect(result).toMatchObject({ recovered: true, offset: 3 });
    await c.waitPushes('hist:again', 5, 5000);
    expect(c.pushes('hist:again').map((p) => p.offset)).toEqual([1, 2, 3, 2, 3]);
    t.server.to('hist:again').emit('m', 4);
    await c.waitPushes('hist:again', 6, 5000);
    expect(c.pushes('hist:again').at(-1)?.offset).toBe(4);
  });

  it('a slow consumer in a history room gets a GAP naming the first skipped offset, and recovers from it', async () => {
    const t = await startTestServer({ rooms: ROOMS, limits: { maxBackpressure: 64 * 1024 } });
    servers.push(t);
    const slow = await connect(t, 'slow');
    const joined = await join(slow, 'slow:feed');
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const big = 'x'.repeat(8 * 1024);
    let published = 0;
    let paused = false;
    // Publish in small bursts (the backpressure check runs between them) until the consumer is
    // paused, then a few more that it skips.
    for (let i = 0; i < 2000 && !paused; i++) {
      for (let j = 0; j < 4; j++) if (t.server.to('slow:feed').emit('m', { i: ++published, big }) === 0) paused = true;
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(paused).toBe(true);
    for (let i = 0; i < 5; i++) t.server.to('slow:feed').emit('m', { i: ++published, big });
    socket.resume();
    const gap = (await slow.next((e) => e.t === 'notice' && e.code === 'GAP', 10_000)) as Extract<
      ServerEnvelope,
      { t: 'notice' }
    >;
    expect(gap.offset).toBeGreaterThan(1);
    expect(gap.missed).toBeGreaterThan(0);
    // Every push before the notice is below its offset.
    const before = slow.pushes('slow:feed');
    expect(before.every((p) => p.offset! < gap.offset!)).toBe(true);
    const recovered = await join(slow, 'slow:feed', { offset: gap.offset! - 1, epoch: joined.epoch! });
    expect(recovered).toMatchObject({ recovered: true, offset: published });
    await slow.waitPushes('slow:feed', before.length + (published - gap.offset! + 1), 5000);
    const offsetsAfter = slow
      .pushes('slow:feed')
      .slice(before.length)
      .map((p) => p.offset);
    expect(offsetsAfter).toEqual(Array.from({ length: published - gap.offset! + 1 }, (_, i) => gap.offset! + i));
  }, 30_000);

  it('serves GET /v1/rooms/:room/history with since and limit; 404 for rooms without history, 400 for bad parameters', async () => {
    const t = await start();
    for (let i = 1; i <= 5; i++) await publishHttp(t, 'hist:h', { i });
    const get = async (path: string) => {
      const res = await fetch(`${t.httpUrl}${path}`, { headers: { authorization: `Bearer ${API_KEY}` } });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const page = await get('/v1/rooms/hist:h/history?since=2&limit=2');
    expect(page.status).toBe(200);
    expect(page.json).toEqual({
      room: 'hist:h',
      offset: 5,
      epoch: expect.any(String) as unknown,
      complete: true,
      messages: [
        { offset: 3, event: 'm', data: { i: 3 } },
        { offset: 4, event: 'm', data: { i: 4 } },
      ],
    });
    expect((await get('/v1/rooms/plain/history')).status).toBe(404);
    // What is held for recovery is visible in /metrics.
    const scrape = (await t.server.metrics.scrape()).body;
    expect(scrape).toMatch(/^switchyard_history_messages 5$/m);
    expect(scrape).toMatch(/^switchyard_history_bytes [1-9]\d*$/m);
    expect((await get('/v1/rooms/hist:h/history?limit=0')).status).toBe(400);
    expect((await get('/v1/rooms/hist:h/history?since=-1')).status).toBe(400);
    expect((await get(`/v1/rooms/hist:h/history?epoch=other`)).json).toMatchObject({ complete: false });
  });
});
