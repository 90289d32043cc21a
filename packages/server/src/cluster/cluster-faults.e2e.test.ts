import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient } from '@redis/client';
import { jsonV2Codec, type ServerEnvelope } from '@switchyard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { signToken } from '../auth/index.js';
import { eventually as poll, RawClient } from '../test-support/raw-client.js';
import { startTestRedis, type TestRedis } from '../test-support/redis-server.js';
import { startTestServer, type TestServer } from '../testing/index.js';

const eventually = (what: string, check: () => boolean | Promise<boolean>, ms = 10000): Promise<void> =>
  poll(what, check, ms);

// What a user is promised when Redis fails, proven with a private redis-server that these tests
// kill, freeze and restart (never the machine's service). docs/scaling.md states the same promises.

const servers: TestServer[] = [];
const clients: RawClient[] = [];
const redises: TestRedis[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(redises.splice(0).map((r) => r.stop()));
});

async function privateRedis(): Promise<TestRedis> {
  const redis = await startTestRedis();
  redises.push(redis);
  return redis;
}

async function cluster(redis: TestRedis, size: number, secret: string, maxQueue?: number): Promise<TestServer[]> {
  const nodes = await Promise.all(
    Array.from({ length: size }, () =>
      startTestServer({
        secret,
        redis: { url: redis.url, ...(maxQueue === undefined ? {} : { maxQueue }) },
        rooms: [{ pattern: '*', clientPublish: true }],
      }),
    ),
  );
  servers.push(...nodes);
  return nodes;
}

async function connect(node: TestServer, user: string): Promise<RawClient> {
  const c = await RawClient.connect(node.url, { token: node.token(user), codec: jsonV2Codec });
  clients.push(c);
  return c;
}

const status = async (node: TestServer, path: string): Promise<number> =>
  (await fetch(`${node.httpUrl}${path}`)).status;
const isGap = (room: string) => (e: ServerEnvelope) => e.t === 'notice' && e.code === 'GAP' && e.room === room;

/** Publishes from `sender` until `receiver` gets one: proves cross-node delivery works (again). */
async function deliveryWorks(sender: RawClient, receiver: RawClient, room: string, tag: string): Promise<void> {
  let n = 0;
  await eventually(`delivery of ${tag}`, () => {
    sender.send({ t: 'publish', room, event: tag, data: n++ });
    return receiver.pushes(room).some((p) => p.event === tag);
  });
}

describe('a cluster when Redis fails', () => {
  it('Redis killed and restarted: nodes stay up and ready, sockets stay open, delivery resumes, nothing lost silently', async () => {
    const redis = await privateRedis();
    const [a, b] = await cluster(redis, 2, randomBytes(32).toString('hex'));
    const sender = await connect(a!, 'alice');
    const receiver = await connect(b!, 'bob');
    await sender.join('r');
    await receiver.join('r');
    await deliveryWorks(sender, receiver, 'r', 'before');

    await redis.kill();
    await eventually(
      'the nodes notice',
      async () => !(await a!.server.metrics.scrape()).body.includes('switchyard_broker_connected 1'),
    );
    // A Redis outage must not take every node out of the load balancer.
    for (const node of [a!, b!]) {
      expect(await status(node, '/healthz')).toBe(200);
      expect(await status(node, '/readyz')).toBe(200);
    }
    const during = sender.id();
    sender.send({ t: 'publish', room: 'r', event: 'during', data: 'while down', id: during });
    const ack = (await sender.next((e) => e.t === 'reply' && e.id === during)) as Extract<
      ServerEnvelope,
      { t: 'reply' }
    >;

    await redis.restart();
    await deliveryWorks(sender, receiver, 'r', 'after');
    expect(sender.ws.readyState).toBe(sender.ws.OPEN);
    expect(receiver.ws.readyState).toBe(receiver.ws.OPEN);
    // The message sent during the outage: delivered late, refused to its publisher, or announced as a gap.
    const delivered = receiver.pushes('r').some((p) => p.event === 'during');
    const refused = !ack.ok;
    const announced = receiver.received.some(isGap('r'));
    expect(delivered || refused || announced).toBe(true);
  }, 30_000);

  it('CLIENT KILL TYPE pubsub: the node notices, resubscribes and tells its members what may be missing', async () => {
    const redis = await privateRedis();
    const [a, b] = await cluster(redis, 2, randomBytes(32).toString('hex'));
    const sender = await connect(a!, 'alice');
    const receiver = await connect(b!, 'bob');
    await sender.join('k');
    await receiver.join('k');
    await deliveryWorks(sender, receiver, 'k', 'before');

    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    } finally {
      await admin.quit();
    }
    await receiver.next(isGap('k'), 10_000);
    await deliveryWorks(sender, receiver, 'k', 'after');
  }, 30_000);

  it('Redis frozen (SIGSTOP) under publish load: the outgoing queue stays bounded, traffic recovers after SIGCONT', async () => {
    const redis = await privateRedis();
    const maxQueue = 200;
    const [a, b] = await cluster(redis, 2, randomBytes(32).toString('hex'), maxQueue);
    const receiver = await connect(b!, 'bob');
    await receiver.join('f');
    a!.server.to('f').emit('warm', 0);
    await receiver.next((e) => e.t === 'push' && e.event === 'warm');

    redis.pause();
    let depth = 0;
    const queueDepth = async (): Promise<number> => {
      const match = /^switchyard_broker_queue_depth (\d+)$/m.exec((await a!.server.metrics.scrape()).body);
      return Number(match?.[1] ?? -1);
    };
    const frozenUntil = Date.now() + 5_000;
    while (Date.now() < frozenUntil) {
      for (let i = 0; i < 50; i++) a!.server.to('f').emit('load', i);
      depth = Math.max(depth, await queueDepth());
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(depth).toBeGreaterThan(0);
    expect(depth).toBeLessThanOrEqual(maxQueue);
    expect((await a!.server.metrics.scrape()).body).toMatch(/^switchyard_broker_dropped_total [1-9]/m);
    redis.resume();

    await eventually('traffic after SIGCONT', () => {
      void a!.server.to('f').emit('resumed', 1);
      return receiver.pushes('f').some((p) => p.event === 'resumed');
    });
    // What was refused while frozen is announced to the members on the other node.
    await receiver.next(isGap('f'), 10_000);
  }, 30_000);

  it('a node killed with SIGKILL leaves presence within 30 s, with leave notices; the other node is unaffected', async () => {
    const redis = await privateRedis();
    const secret = randomBytes(32).toString('hex');
    const [a] = await cluster(redis, 1, secret);
    const watcher = await connect(a!, 'wendy');
    await watcher.join('lobby', true);

    const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--log-level', 'warn'], {
      env: {
        ...process.env,
        SWITCHYARD_JWT_SECRET: secret,
        SWITCHYARD_REDIS_URL: redis.url,
        SWITCHYARD_HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      child.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /:(\d+)\b.*\/ws/.exec(text);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`the node exited early (${code}): ${text}`)));
    });
    const token = signToken({ sub: 'zed' }, { secret });
    const doomed = await RawClient.connect(`ws://127.0.0.1:${port}/ws`, { token, codec: jsonV2Codec });
    clients.push(doomed);
    await doomed.join('lobby', true);
    expect(await watcher.next((e) => e.t === 'presence' && e.change === 'join')).toMatchObject({ userId: 'zed' });

    const killedAt = Date.now();
    child.kill('SIGKILL');
    const leave = await watcher.next((e) => e.t === 'presence' && e.change === 'leave', 30_000);
    expect(leave).toMatchObject({ userId: 'zed', connections: 0 });
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect((await a!.server.fetchPresence('lobby')).members).toEqual([{ userId: 'wendy', connections: 1 }]);
    expect(await status(a!, '/readyz')).toBe(200);
  }, 45_000);
});
