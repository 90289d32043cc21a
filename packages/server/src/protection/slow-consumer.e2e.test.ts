import { jsonV2Codec, type ServerEnvelope } from '@switchyard/protocol';
import { msgpackV2Codec } from '@switchyard/protocol/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, sleep } from '../test-support/raw-client.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../testing/index.js';

// Room traffic of ~2 MB/s (10 messages of ~10 KB every 50 ms), published from a timer as a
// server-side emit. Loopback TCP buffers absorb a few MB before the server sees backpressure.
// The paused member gets no drain and no send result: only the read of the room's members that
// follows room traffic (100 ms after a publish) finds it. Small ticks keep the growth before that
// read far below the headroom uWS leaves before it skips a slow socket (2 × maxBackpressure), even
// when a busy machine delays the timer: a skipped message would be missing from the GAP accounting.
const CHUNK = 'x'.repeat(10_000);
const PER_TICK = 10;
const TICK_MS = 50;

const servers: TestServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(servers.splice(0).map((t) => t.close()));
});

async function setup(options: TestServerOptions, room: string) {
  const t = await startTestServer({ limits: { maxBackpressure: 512 * 1024 }, ...options });
  servers.push(t);
  const fast = await RawClient.connect(t.url, { token: t.token('fast') });
  // Three wire formats: version 1 JSON, version 2 msgpack, and a version 2 JSON member that falls
  // behind, so pausing, catching up and resubscribing are exercised per format.
  const fastMsgpack = await RawClient.connect(t.url, { token: t.token('fast2'), codec: msgpackV2Codec });
  const slow = await RawClient.connect(t.url, { token: t.token('slow'), codec: jsonV2Codec });
  clients.push(fast, fastMsgpack, slow);
  for (const c of [fast, fastMsgpack, slow]) expect((await c.join(room)).ok).toBe(true);
  const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return { t, fast, fastMsgpack, slow, pause: () => socket.pause(), resume: () => socket.resume() };
}

interface Traffic {
  /** Messages published so far (their `seq` runs 0..published-1). */
  published: number;
  /** Recipients of the last emit. */
  lastRecipients: number;
}

/** Publishes ticks until `done(state)` is true (checked each tick) or `maxMs` passes. */
async function traffic(
  t: TestServer,
  room: string,
  state: Traffic,
  done: (s: Traffic) => boolean,
  maxMs: number,
  key?: (seq: number) => string,
): Promise<void> {
  const started = Date.now();
  while (!done(state) && Date.now() - started < maxMs) {
    for (let i = 0; i < PER_TICK; i++) {
      const seq = state.published++;
      const k = key?.(seq);
      state.lastRecipients = t.server
        .to(room)
        .emit('tick', { seq, key: k, pad: CHUNK }, k === undefined ? {} : { key: k });
    }
    await sleep(TICK_MS);
  }
}

const seqs = (c: RawClient, room: string) => c.pushes(room).map((p) => (p.data as { seq: number }).seq);
const inOrder = (n: number) => Array.from({ length: n }, (_, i) => i);

async function scrape(t: TestServer): Promise<string> {
  return (await t.server.metrics.scrape()).body;
}

function metric(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('slow consumers under sustained room traffic (real sockets)', () => {
  it('close: a paused member is closed with 4201 while the others receive everything', async () => {
    const { t, fast, fastMsgpack, slow, pause, resume } = await setup({}, 'chat');
    pause();
    let closedCode: number | undefined;
    t.server.on('disconnect', (conn, info) => {
      if (conn.userId === 'slow') closedCode = info.code;
    });
    const state: Traffic = { published: 0, lastRecipients: 3 };
    await traffic(t, 'chat', state, () => closedCode !== undefined, 20_000);
    const published = state.published;
    // The client learns it after reading what was buffered for it.
    resume();
    expect((await slow.closed).code).toBe(4201);
    await waitFor(() => fast.pushes('chat').length === published && fastMsgpack.pushes('chat').length === published);
    expect(seqs(fast, 'chat')).toEqual(inOrder(published));
    expect(seqs(fastMsgpack, 'chat')).toEqual(inOrder(published));
    const text = await scrape(t);
    expect(metric(text, 'switchyard_slow_consumer_closes_total')).toBe(1);
    expect(text).toMatch(/switchyard_connections_closed_total\{class="slow",reason="slow_consumer"\} 1/);
  }, 60_000);

  it('drop: the paused member skips messages, then a GAP notice accounts for every one it missed', async () => {
    const { t, fast, fastMsgpack, slow, pause, resume } = await setup(
      { rooms: [{ pattern: 'feed:*', slowConsumer: 'drop' }] },
      'feed:1',
    );
    pause();
    const state: Traffic = { published: 0, lastRecipients: 3 };
    await traffic(t, 'feed:1', state, (s) => s.lastRecipients < 3, 20_000);
    expect(state.lastRecipients).toBe(2); // the slow member was unsubscribed; the others were not
    // Keep publishing while it is behind: all of this is skipped for it.
    await traffic(t, 'feed:1', state, () => false, 10 * TICK_MS);
    const published = state.published;
    // Visible while it is still behind: the skips are counted as they happen, and the gauges show it.
    const stalled = await scrape(t);
    expect(metric(stalled, 'switchyard_backpressure_drops_total{policy="drop"}')).toBeGreaterThanOrEqual(10 * PER_TICK);
    expect(metric(stalled, 'switchyard_slow_consumers')).toBe(1);
    expect(metric(stalled, 'switchyard_slow_consumer_buffered_bytes')).toBeGreaterThan(0);
    resume();
    const gap = (await slow.next((e) => e.t === 'notice' && e.code === 'GAP', 20_000)) as Extract<
      ServerEnvelope,
      { t: 'notice' }
    >;
    const before = seqs(slow, 'feed:1');
    // What it received is an unbroken prefix; the notice counts exactly the rest.
    expect(before).toEqual(inOrder(before.length));
    expect(gap.room).toBe('feed:1');
    expect(before.length + (gap.missed ?? 0)).toBe(published);
    expect(gap.missed).toBeGreaterThanOrEqual(10 * PER_TICK);
    // It is resubscribed: the next message arrives.
    expect(t.server.to('feed:1').emit('after', { seq: -1 })).toBe(3);
    expect(await slow.next((e) => e.t === 'push' && e.event === 'after', 10_000)).toMatchObject({ room: 'feed:1' });
    await waitFor(() => fast.pushes('feed:1').length >= published && fastMsgpack.pushes('feed:1').length >= published);
    expect(seqs(fast, 'feed:1').slice(0, published)).toEqual(inOrder(published));
    expect(seqs(fastMsgpack, 'feed:1').slice(0, published)).toEqual(inOrder(published));
    const caughtUp = await scrape(t);
    expect(metric(caughtUp, 'switchyard_backpressure_drops_total{policy="drop"}')).toBe(gap.missed);
    expect(metric(caughtUp, 'switchyard_slow_consumers')).toBe(0);
  }, 60_000);

  it('latest: a member that catches up receives the newest value per key, then a GAP for the rest', async () => {
    const keys = ['BTC', 'ETH', 'SOL', 'ADA', 'DOT'];
    const keyOf = (seq: number) => keys[seq % keys.length] ?? 'BTC';
    const { t, fast, slow, pause, resume } = await setup(
      { rooms: [{ pattern: 'ticker:*', slowConsumer: 'latest' }] },
      'ticker:all',
    );
    pause();
    const state: Traffic = { published: 0, lastRecipients: 3 };
    await traffic(t, 'ticker:all', state, (s) => s.lastRecipients < 3, 20_000, keyOf);
    expect(state.lastRecipients).toBe(2);
    await traffic(t, 'ticker:all', state, () => false, 10 * TICK_MS, keyOf);
    const published = state.published;
    resume();
    const gap = (await slow.next((e) => e.t === 'notice' && e.code === 'GAP', 20_000)) as Extract<
      ServerEnvelope,
      { t: 'notice' }
    >;
    const got = seqs(slow, 'ticker:all');
    // An unbroken prefix, then the replayed newest values (one per key, in publish order).
    let prefix = 0;
    while (got[prefix] === prefix) prefix++;
    const replay = got.slice(prefix);
    expect(replay).toHaveLength(keys.length);
    for (const key of keys) {
      let newest = -1;
      for (let s = 0; s < published; s++) if (keyOf(s) === key) newest = s;
      expect(replay).toContain(newest);
    }
    expect([...replay].sort((a, b) => a - b)).toEqual(replay);
    expect(prefix + replay.length + (gap.missed ?? 0)).toBe(published);
    await waitFor(() => fast.pushes('ticker:all').length >= published);
    expect(seqs(fast, 'ticker:all')).toEqual(inOrder(published));
    // Every skip counts as it happens; the replayed values are counted apart.
    const text = await scrape(t);
    expect(metric(text, 'switchyard_backpressure_drops_total{policy="latest"}')).toBe(
      (gap.missed ?? 0) + replay.length,
    );
    expect(metric(text, 'switchyard_backpressure_replays_total')).toBe(replay.length);
  }, 60_000);

  it('latest via the HTTP API: the key field picks the conflation slot', async () => {
    const apiKey = 'conflation-test-api-key-123';
    const { t, slow, pause, resume } = await setup(
      { apiKey, rooms: [{ pattern: 'ticker:*', slowConsumer: 'latest' }] },
      'ticker:api',
    );
    pause();
    const state: Traffic = { published: 0, lastRecipients: 3 };
    await traffic(t, 'ticker:api', state, (s) => s.lastRecipients < 3, 20_000);
    expect(state.lastRecipients).toBe(2);
    // While it is behind, the backend publishes prices: three per symbol, and two without a key.
    const post = (body: object) =>
      fetch(`${t.httpUrl}/v1/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}` },
        body: JSON.stringify(body),
      });
    for (const price of [1, 2, 3]) {
      for (const key of ['BTC', 'ETH'])
        expect((await post({ room: 'ticker:api', event: 'price', key, data: { key, price } })).status).toBe(200);
    }
    for (const status of ['open', 'halted'])
      expect((await post({ room: 'ticker:api', event: 'status', data: { status } })).status).toBe(200);
    resume();
    const gap = (await slow.next((e) => e.t === 'notice' && e.code === 'GAP', 20_000)) as Extract<
      ServerEnvelope,
      { t: 'notice' }
    >;
    const replayed = slow.pushes('ticker:api').filter((p) => p.event !== 'tick');
    expect(replayed.map((p) => [p.event, p.data])).toEqual([
      ['price', { key: 'BTC', price: 3 }],
      ['price', { key: 'ETH', price: 3 }],
      ['status', { status: 'halted' }],
    ]);
    // Ticks skipped while behind, plus the 5 superseded API values.
    const ticksSeen = slow.pushes('ticker:api').filter((p) => p.event === 'tick').length;
    expect(ticksSeen + replayed.length + (gap.missed ?? 0)).toBe(state.published + 8);
  }, 60_000);
});

async function waitFor(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await sleep(50);
  }
}

export type { ServerEnvelope };
