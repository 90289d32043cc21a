import { jsonCodec, type Codec, type ServerEnvelope } from '@switchyard/protocol';
import { msgpackV2Codec } from '@switchyard/protocol/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, eventually } from '../test-support/raw-client.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../testing/index.js';

// Presence in large rooms: changes go out once per turn per room, above
// `limits.presenceNoticeLimit` as one member count, and a closing server sends no leaves.

const servers: TestServer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: TestServerOptions = {}): Promise<TestServer> {
  const t = await startTestServer(options);
  servers.push(t);
  return t;
}

async function connect(t: TestServer, user: string, codec: Codec = jsonCodec): Promise<RawClient> {
  const c = await RawClient.connect(t.url, { token: t.token(user), codec });
  clients.push(c);
  return c;
}

/** Joins with presence; `counts`: the join says it reads member counts. */
async function joinWithPresence(c: RawClient, room: string, counts: boolean) {
  const reply = await c.call((id) => ({
    t: 'join',
    id,
    room,
    presence: true,
    ...(counts ? { presenceCount: true } : {}),
  }));
  expect(reply.ok).toBe(true);
  return reply.ok ? (reply.data as { presence: { members: unknown[]; count?: number } }) : undefined;
}

const presenceOf = (c: RawClient) =>
  c.received.filter((e): e is Extract<ServerEnvelope, { t: 'presence' }> => e.t === 'presence');

/** Opens `n` connections of users `<prefix>0…` (not in any room yet). */
async function crowd(t: TestServer, prefix: string, n: number): Promise<string[]> {
  const users = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  for (const user of users) await connect(t, user);
  return users;
}

describe('presence in large rooms', () => {
  it.each([
    ['json v1', jsonCodec],
    ['msgpack v2', msgpackV2Codec],
  ])('sends a storm of joins in one turn as one batch: per-user notices under the limit (%s)', async (_n, codec) => {
    const t = await server({ limits: { presenceNoticeLimit: 50 } });
    const watcher = await connect(t, 'watcher', codec);
    await joinWithPresence(watcher, 'stage', true);
    const users = await crowd(t, 'u', 40);
    // One synchronous loop: one event-loop turn.
    for (const user of users) t.server.joinUser(user, 'stage');
    await eventually('40 joins', () => presenceOf(watcher).length >= 40);
    expect(presenceOf(watcher).map((e) => (e.change === 'join' ? e.userId : e.change))).toEqual(users);
  });

  it('above the limit sends one member count per turn, only to members that read counts', async () => {
    const t = await server({ limits: { presenceNoticeLimit: 10 } });
    const reader = await connect(t, 'reader', msgpackV2Codec);
    const older = await connect(t, 'older');
    await joinWithPresence(reader, 'stage', true);
    await joinWithPresence(older, 'stage', false);
    await eventually('the join of older', () => presenceOf(reader).length === 1);
    const since = (c: RawClient, from: number) => presenceOf(c).slice(from);
    const users = await crowd(t, 'u', 30);
    for (const user of users) t.server.joinUser(user, 'stage');
    await eventually('a count', () => presenceOf(reader).length > 1);
    // Per-user notices for the joins under the limit would have gone out in the same turn: none did.
    expect(since(reader, 1)).toEqual([{ t: 'presence', room: 'stage', change: 'count', count: 32 }]);
    for (const user of users.slice(0, 20)) t.server.leaveUser(user, 'stage');
    await eventually('a second count', () => presenceOf(reader).length > 2);
    expect(since(reader, 2)).toEqual([{ t: 'presence', room: 'stage', change: 'count', count: 12 }]);
    // A member that cannot read counts gets nothing above the limit: a round trip proves it.
    await older.call((id) => ({ t: 'presence-get', id, room: 'stage' }));
    expect(presenceOf(older)).toEqual([]);
    // Under the limit again, per-user notices resume for everyone.
    for (const user of users.slice(20, 25)) t.server.leaveUser(user, 'stage');
    await eventually('leaves', () => presenceOf(older).length === 5 && presenceOf(reader).length === 8);
    expect(since(reader, 3)).toEqual(presenceOf(older));
    expect(presenceOf(older).map((e) => e.change === 'leave' && e.userId)).toEqual(users.slice(20, 25));
  });

  it('answers a join above the limit with a count instead of the member list', async () => {
    const t = await server({ limits: { presenceNoticeLimit: 5 } });
    for (const user of await crowd(t, 'u', 6)) t.server.joinUser(user, 'hall');
    const late = await connect(t, 'late');
    expect((await joinWithPresence(late, 'hall', false))?.presence).toEqual({ room: 'hall', members: [], count: 7 });
    // presence-get still lists every member.
    const got = await late.call((id) => ({ t: 'presence-get', id, room: 'hall' }));
    expect(got.ok && (got.data as { members: unknown[] }).members).toHaveLength(7);
  });

  it('real joins from many sockets, above the limit: counts only, the last one exact', async () => {
    const t = await server({ limits: { presenceNoticeLimit: 20 } });
    const reader = await connect(t, 'reader');
    await joinWithPresence(reader, 'stage', true);
    const joiners = await Promise.all(Array.from({ length: 60 }, (_, i) => connect(t, `j${i}`)));
    await Promise.all(joiners.map((c) => joinWithPresence(c, 'stage', true)));
    await eventually('the final count', () => presenceOf(reader).at(-1)?.change === 'count' && countOf(reader) === 61);
    // The 20 joins under the limit were announced one by one, the 40 after it at most once per turn.
    const notices = presenceOf(reader);
    expect(notices.filter((e) => e.change === 'join').length).toBeLessThanOrEqual(20);
    expect(notices.filter((e) => e.change === 'leave')).toEqual([]);
    expect(notices.length).toBeLessThanOrEqual(60);
  });

  it('closing the server sends no presence leaves in a large room, with no notice limit', async () => {
    const t = await server({ limits: { presenceNoticeLimit: 0 } });
    const members: RawClient[] = [];
    for (let i = 0; i < 120; i++) {
      const c = await connect(t, `m${i}`);
      await joinWithPresence(c, 'big', true);
      members.push(c);
    }
    // Member i hears the joins of the members after it.
    const expected = members.reduce((sum, _, i) => sum + members.length - 1 - i, 0);
    const total = () => members.reduce((sum, c) => sum + presenceOf(c).length, 0);
    await eventually(`${expected} joins`, () => total() === expected);
    const published = await presencePublished(t);
    // One topic publish per join but the first (nobody to tell yet).
    expect(published).toBe(members.length - 1);
    await t.close();
    await Promise.all(members.map((c) => c.closed));
    expect(total()).toBe(expected);
    // Nor did the server hand the transport a single presence frame while closing.
    expect(await presencePublished(t)).toBe(published);
  });
});

/** Presence frames the server handed to its transport so far (`switchyard_messages_sent_total`). */
async function presencePublished(t: TestServer): Promise<number> {
  const { body } = await t.server.metrics.scrape();
  const lines = body
    .split('\n')
    .filter((l) => l.startsWith('switchyard_messages_sent_total{') && l.includes('kind="presence"'));
  return lines.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

function countOf(c: RawClient): number | undefined {
  const last = presenceOf(c).at(-1);
  return last?.change === 'count' ? last.count : undefined;
}
