import { randomBytes, randomUUID } from 'node:crypto';
import { jsonV2Codec, type ServerEnvelope } from '@switchyard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, RawClient } from '../test-support/raw-client.js';
import { startTestServer, type TestServer } from '../testing/index.js';

// Two real nodes on the machine's Redis under a prefix of their own: above the presence notice
// limit, a node counts the room's users in the shared membership, not in its own registry.
const REDIS_URL = 'redis://127.0.0.1:6379';

const servers: TestServer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function connect(node: TestServer, user: string): Promise<RawClient> {
  const c = await RawClient.connect(node.url, { token: node.token(user), codec: jsonV2Codec });
  clients.push(c);
  return c;
}

const counts = (c: RawClient) =>
  c.received.flatMap((e: ServerEnvelope) => (e.t === 'presence' && e.change === 'count' ? [e.count] : []));

describe('presence counts in a cluster', () => {
  it('counts every node’s users above the limit, in notices and join replies', async () => {
    const secret = randomBytes(32).toString('hex');
    const prefix = `switchyard-test-${randomUUID()}`;
    const options = { secret, redis: { url: REDIS_URL, prefix }, limits: { presenceNoticeLimit: 3 } };
    const [a, b] = await Promise.all([startTestServer(options), startTestServer(options)]);
    servers.push(a, b);
    const watcher = await connect(a, 'watcher');
    expect(
      (await watcher.call((id) => ({ t: 'join', id, room: 'stage', presence: true, presenceCount: true }))).ok,
    ).toBe(true);
    // Five users join on the other node: node a has one user in the room, the cluster six.
    for (let i = 0; i < 5; i++) await connect(b, `u${i}`);
    for (let i = 0; i < 5; i++) b.server.joinUser(`u${i}`, 'stage');
    await eventually('the cluster-wide count', () => counts(watcher).includes(6), 10_000);
    expect(counts(watcher).every((n) => n > 3)).toBe(true);
    expect(watcher.received.filter((e) => e.t === 'presence' && e.change !== 'count').length).toBeLessThanOrEqual(2);
    const late = await connect(a, 'late');
    const reply = await late.call((id) => ({ t: 'join', id, room: 'stage', presence: true }));
    expect(reply.ok && reply.data).toEqual({ room: 'stage', presence: { room: 'stage', members: [], count: 7 } });
  });
});
