import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { jsonV2Codec } from '@switchyard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { startTestRedis, type TestRedis } from '../test-support/redis-server.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../testing/index.js';

// The recovery promise as a property: messages are published at a steady rate from a client, from
// server emits and from the HTTP API, while subscribers are cut off at random moments (socket
// destroyed, kicked with 4101 through the HTTP API, the node they are on restarting). Each
// subscriber rejoins with the position of the last push it kept. For every subscriber the pushes
// it receives must follow the room's stream exactly — no gap, no duplicate, in order — except at a
// `recovered: false` reply, which must mark the exact boundary: the next push is the reply's
// offset + 1. The room's stream is read back from history (GET /v1/rooms/:room/history) to check
// that every kept push carries the data published at its offset.

const ROOM = 'hist:property';
const API_KEY = 'recovery-property-api-key-012345';
const ROOMS = [{ pattern: 'hist:*', history: { size: 10_000, ttlSec: 600 } }];

type Cut = 'terminate' | 'kick' | 'restart';
interface Schedule {
  /** Per subscriber: milliseconds into the run at which it is cut off, and how. */
  readonly cuts: readonly (readonly { at: number; how: Cut }[])[];
}

/** One subscriber's view: what it received, in order, with the join replies between. */
type LogEntry =
  | { kind: 'join'; recovered: boolean | undefined; offset: number; epoch: string; since?: number }
  | { kind: 'push'; offset: number; epoch: string; data: unknown };

const resources: { clients: RawClient[]; servers: TestServer[]; redis: TestRedis[] } = {
  clients: [],
  servers: [],
  redis: [],
};

afterEach(async () => {
  for (const c of resources.clients.splice(0)) c.ws.terminate();
  await Promise.all(resources.servers.splice(0).map((s) => s.close()));
  await Promise.all(resources.redis.splice(0).map((r) => r.stop()));
});

/** A set of nodes that can be restarted one at a time (all share one JWT secret). */
class Nodes {
  readonly secret = randomBytes(32).toString('hex');
  nodes: TestServer[] = [];
  constructor(readonly options: TestServerOptions) {}

  async start(count: number): Promise<void> {
    for (let i = 0; i < count; i++) this.nodes.push(await this.#one());
  }

  async restart(i: number): Promise<void> {
    const old = this.nodes[i]!;
    await old.close();
    resources.servers.splice(resources.servers.indexOf(old), 1);
    this.nodes[i] = await this.#one();
  }

  async #one(): Promise<TestServer> {
    const node = await startTestServer({ ...this.options, secret: this.secret, apiKey: API_KEY, rooms: ROOMS });
    resources.servers.push(node);
    return node;
  }
}

/** A subscriber that keeps the last position it delivered and rejoins with it. */
class Subscriber {
  readonly log: LogEntry[] = [];
  #position: { offset: number; epoch: string } | undefined;
  #client: RawClient | undefined;
  constructor(
    readonly user: string,
    readonly nodes: Nodes,
  ) {}

  async connect(attempt: number): Promise<void> {
    const node = this.nodes.nodes[attempt % this.nodes.nodes.length]!;
    const client = await RawClient.connect(node.url, { token: node.token(this.user), codec: jsonV2Codec });
    resources.clients.push(client);
    this.#client = client;
    const since = this.#position;
    const id = client.id();
    // Pushes are read straight off the socket, in arrival order, from the reply on.
    let replied = false;
    client.ws.on('message', () => {
      const e = client.received.at(-1)!;
      if (e.t === 'reply' && e.id === id && e.ok) {
        const data = e.data as { recovered?: boolean; offset: number; epoch: string };
        this.log.push({
          kind: 'join',
          recovered: data.recovered,
          offset: data.offset,
          epoch: data.epoch,
          ...(since ? { since: since.offset } : {}),
        });
        // Continue from the reply: what was recovered follows it; after recovered: false, from its offset.
        if (data.recovered !== true) this.#position = { offset: data.offset, epoch: data.epoch };
        replied = true;
        return;
      }
      if (!replied || e.t !== 'push' || e.room !== ROOM) return;
      const { offset, epoch } = e as { offset: number; epoch: string };
      // A duplicate of what this subscriber already kept (the client library drops these too).
      if (this.#position && epoch === this.#position.epoch && offset <= this.#position.offset) return;
      this.log.push({ kind: 'push', offset, epoch, data: e.data });
      this.#position = { offset, epoch };
    });
    client.send({ t: 'join', id, room: ROOM, ...(since ? { since } : {}) });
    // A kick sent to another node reaches this one through Redis a moment later and may close the
    // new connection before its reply: the run loop then simply connects again.
    await Promise.race([client.next((e) => e.t === 'reply' && e.id === id, 10_000), client.closed]);
  }

  cut(): void {
    this.#client?.ws.terminate();
  }

  get open(): boolean {
    return this.#client !== undefined && this.#client.ws.readyState === this.#client.ws.OPEN;
  }
}

/**
 * Checks one subscriber's log: pushes follow the stream one offset at a time from each join's
 * boundary, and in the current epoch (the one history can still be read back for) each carries the
 * data published at its offset.
 */
function checkLog(log: readonly LogEntry[], stream: ReadonlyMap<number, unknown>, epoch: string): void {
  let expected: { offset: number; epoch: string } | undefined;
  for (const entry of log) {
    if (entry.kind === 'join') {
      if (entry.recovered === true) {
        // Recovery continues exactly after the position sent.
        expect(entry.since, 'a recovery answers a join with since').toBeDefined();
        expected = { offset: entry.since! + 1, epoch: entry.epoch };
      } else {
        // No recovery (first join, or recovered: false): the boundary is the reply's offset.
        expected = { offset: entry.offset + 1, epoch: entry.epoch };
      }
      continue;
    }
    expect({ offset: entry.offset, epoch: entry.epoch }, 'no gap, no duplicate, in order').toEqual(expected);
    if (entry.epoch === epoch) {
      expect(entry.data, `the data published at offset ${entry.offset}`).toEqual(stream.get(entry.offset));
    }
    expected = { offset: entry.offset + 1, epoch: entry.epoch };
  }
}

async function run(nodes: Nodes, schedule: Schedule, durationMs: number): Promise<void> {
  const subscribers = schedule.cuts.map((_, i) => new Subscriber(`sub${i}`, nodes));
  for (const s of subscribers) await s.connect(0);
  const publisherNode = () => nodes.nodes[0]!;
  let publisher = await RawClient.connect(publisherNode().url, {
    token: publisherNode().token('publisher'),
    codec: jsonV2Codec,
  });
  resources.clients.push(publisher);
  await publisher.join(ROOM);

  const started = Date.now();
  const pending = schedule.cuts.map((cuts) => [...cuts].sort((x, y) => x.at - y.at));
  let n = 0;
  let attempt = 1;
  while (Date.now() - started < durationMs) {
    const source = n % 3;
    const data = { n: n++ };
    if (source === 0 && publisher.ws.readyState === publisher.ws.OPEN) {
      publisher.send({ t: 'publish', room: ROOM, event: 'm', data });
    } else if (source === 1) {
      nodes.nodes[n % nodes.nodes.length]!.server.to(ROOM).emit('m', data);
    } else {
      await fetch(`${nodes.nodes[n % nodes.nodes.length]!.httpUrl}/v1/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ room: ROOM, event: 'm', data }),
      }).catch(() => undefined);
    }
    const elapsed = Date.now() - started;
    for (let i = 0; i < subscribers.length; i++) {
      const due = pending[i]!;
      while (due.length > 0 && due[0]!.at <= elapsed) {
        const { how } = due.shift()!;
        const s = subscribers[i]!;
        if (how === 'terminate') s.cut();
        else if (how === 'kick') {
          const node = nodes.nodes[(attempt - 1) % nodes.nodes.length]!;
          await fetch(`${node.httpUrl}/v1/users/${s.user}/disconnect`, {
            method: 'POST',
            headers: { authorization: `Bearer ${API_KEY}` },
            body: JSON.stringify({ code: 4101 }),
          });
        } else {
          await nodes.restart(nodes.nodes.length - 1);
          if (nodes.nodes.length === 1) {
            publisher = await RawClient.connect(publisherNode().url, {
              token: publisherNode().token('publisher'),
              codec: jsonV2Codec,
            });
            resources.clients.push(publisher);
            await publisher.join(ROOM);
          }
        }
      }
    }
    for (const s of subscribers) if (!s.open) await s.connect(attempt++);
    await new Promise((r) => setTimeout(r, 3));
  }
  // Let the last messages land, then read the stream back from history and check every log.
  await new Promise((r) => setTimeout(r, 300));
  const res = await fetch(`${nodes.nodes[0]!.httpUrl}/v1/rooms/${ROOM}/history?limit=1000`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  const page = (await res.json()) as { epoch: string; messages: { offset: number; data: unknown }[] };
  const stream = new Map(page.messages.map((m) => [m.offset, m.data]));
  for (const s of subscribers) {
    checkLog(s.log, stream, page.epoch);
    expect(s.log.filter((e) => e.kind === 'push').length, `${s.user} received pushes`).toBeGreaterThan(0);
  }
}

const cutArb = (kinds: readonly Cut[]) =>
  fc.array(fc.record({ at: fc.integer({ min: 100, max: 1400 }), how: fc.constantFrom(...kinds) }), {
    minLength: 1,
    maxLength: 3,
  });

describe('recovery, as a property', () => {
  it('on the memory engine: every subscriber’s pushes follow the stream exactly, or recovered: false marks the boundary', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(cutArb(['terminate', 'kick', 'restart']), { minLength: 2, maxLength: 3 }),
        async (cuts) => {
          const nodes = new Nodes({});
          await nodes.start(1);
          try {
            await run(nodes, { cuts }, 1600);
          } finally {
            for (const c of resources.clients.splice(0)) c.ws.terminate();
            await Promise.all(resources.servers.splice(0).map((s) => s.close()));
          }
        },
      ),
      { numRuns: 3, endOnFailure: true },
    );
  }, 120_000);

  it('on Redis, with two nodes: subscribers recover on whichever node they land, a node restarting included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(cutArb(['terminate', 'kick', 'restart']), { minLength: 2, maxLength: 3 }),
        async (cuts) => {
          const redis = await startTestRedis();
          resources.redis.push(redis);
          const nodes = new Nodes({ redis: { url: redis.url } });
          await nodes.start(2);
          try {
            await run(nodes, { cuts }, 1600);
          } finally {
            for (const c of resources.clients.splice(0)) c.ws.terminate();
            await Promise.all(resources.servers.splice(0).map((s) => s.close()));
            await Promise.all(resources.redis.splice(0).map((r) => r.stop()));
          }
        },
      ),
      { numRuns: 3, endOnFailure: true },
    );
  }, 180_000);
});
