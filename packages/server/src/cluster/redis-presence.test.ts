import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../test-support/redis-server.js';
import type { ClusterPresence, ReapedMember } from './presence.js';
import { createRedisPresence, type RedisPresenceOptions } from './redis-presence.js';

// The child process runs the built module (npm test builds first, as for the CLI tests).
const BUILT = fileURLToPath(new URL('../../dist/cluster/redis-presence.js', import.meta.url));

let redis: TestRedis;
let prefixCounter = 0;
const open: ClusterPresence[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((presence) => presence.close()));
});

function presence(nodeId: string, prefix: string, extra: Partial<RedisPresenceOptions> = {}): ClusterPresence {
  const made = createRedisPresence({ url: redis.url, prefix, nodeId, ...extra });
  open.push(made);
  return made;
}

function nodes(): [ClusterPresence, ClusterPresence, string] {
  const prefix = `p${++prefixCounter}`;
  return [presence('a', prefix), presence('b', prefix), prefix];
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('redis presence', () => {
  it('tells the first and last connection of a user cluster-wide', async () => {
    const [a, b] = nodes();
    expect(await a.join('lobby', 'alice')).toEqual({ firstForUser: true, connections: 1 });
    expect(await b.join('lobby', 'alice')).toEqual({ firstForUser: false, connections: 2 });
    expect(await a.join('lobby', 'alice')).toEqual({ firstForUser: false, connections: 3 });
    expect(await a.leave('lobby', 'alice')).toEqual({ lastForUser: false, connections: 2 });
    expect(await a.leave('lobby', 'alice')).toEqual({ lastForUser: false, connections: 1 });
    // a holds none any more: its leave changes nothing.
    expect(await a.leave('lobby', 'alice')).toEqual({ lastForUser: false, connections: 1 });
    expect(await b.leave('lobby', 'alice')).toEqual({ lastForUser: true, connections: 0 });
    expect(await a.rooms()).toEqual([]);
  });

  it('counts the distinct users of a room over nodes', async () => {
    const [a, b] = nodes();
    expect(await a.count('stage')).toBe(0);
    await a.join('stage', 'alice');
    await b.join('stage', 'alice');
    await b.join('stage', 'bob');
    await a.join('other', 'carol');
    expect(await a.count('stage')).toBe(2);
    expect(await b.count('stage')).toBe(2);
    await b.leave('stage', 'bob');
    expect(await a.count('stage')).toBe(1);
  });

  it('aggregates snapshots and room lists over nodes', async () => {
    const [a, b] = nodes();
    await a.join('lobby', 'carol');
    await b.join('lobby', 'alice');
    await b.join('lobby', 'alice');
    await a.join('lobby', 'alice');
    await b.join('room:2', 'bob');
    expect(await b.snapshot('lobby')).toEqual({
      room: 'lobby',
      members: [
        { userId: 'alice', connections: 3 },
        { userId: 'carol', connections: 1 },
      ],
    });
    expect(await a.snapshot('empty')).toEqual({ room: 'empty', members: [] });
    expect(await a.rooms()).toEqual([
      { room: 'lobby', members: 2 },
      { room: 'room:2', members: 1 },
    ]);
  });

  it('keeps odd user ids and room names apart', async () => {
    const [a, b] = nodes();
    await a.join('a:b', '1|x');
    await b.join('a', 'b:1|x');
    await a.join('a', '__proto__');
    expect((await a.snapshot('a:b')).members).toEqual([{ userId: '1|x', connections: 1 }]);
    expect((await a.snapshot('a')).members).toEqual([
      { userId: '__proto__', connections: 1 },
      { userId: 'b:1|x', connections: 1 },
    ]);
  });

  it('resyncs a node to its local state and reports the user-level changes', async () => {
    const [a, b] = nodes();
    await a.join('lobby', 'alice');
    await a.join('lobby', 'bob');
    await a.join('lobby', 'erin');
    await b.join('lobby', 'bob');
    const changes = await a.resync(
      new Map([
        [
          'lobby',
          new Map([
            ['alice', 2],
            ['carol', 1],
          ]),
        ],
        ['other', new Map([['dave', 1]])],
      ]),
    );
    expect(changes).toEqual([
      { room: 'lobby', userId: 'carol', change: 'join', connections: 1 },
      { room: 'lobby', userId: 'erin', change: 'leave', connections: 0 },
      { room: 'other', userId: 'dave', change: 'join', connections: 1 },
    ]);
    expect((await b.snapshot('lobby')).members).toEqual([
      { userId: 'alice', connections: 2 },
      { userId: 'bob', connections: 1 },
      { userId: 'carol', connections: 1 },
    ]);
    // After Redis lost everything, a resync puts the node's members back.
    await redis.restart();
    const again = async (): Promise<unknown> => {
      for (;;) {
        try {
          return await a.resync(new Map([['lobby', new Map([['alice', 1]])]]));
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    expect(await again()).toEqual([{ room: 'lobby', userId: 'alice', change: 'join', connections: 1 }]);
    // The other node's link may still be coming back after the restart.
    const snapshotOfB = async () => {
      for (;;) {
        try {
          return await b.snapshot('lobby');
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    expect((await snapshotOfB()).members).toEqual([{ userId: 'alice', connections: 1 }]);
  }, 15_000);

  it('removes its entries on close', async () => {
    const [a, b] = nodes();
    await a.join('lobby', 'alice');
    await b.join('lobby', 'bob');
    await a.close();
    expect((await b.snapshot('lobby')).members).toEqual([{ userId: 'bob', connections: 1 }]);
  });

  it('reaps the members of a node killed with SIGKILL, once, with leave notices', async () => {
    const prefix = `p${++prefixCounter}`;
    const timings = { heartbeatMs: 100, nodeTtlMs: 600 };
    const script = `
      import { createRedisPresence } from ${JSON.stringify(BUILT)};
      const presence = createRedisPresence(${JSON.stringify({ url: redis.url, prefix, nodeId: 'doomed', ...timings })});
      presence.start(() => {});
      await presence.join('lobby', 'zoe');
      await presence.join('lobby', 'zoe');
      await presence.join('lobby', 'shared');
      await presence.join('side', 'zoe');
      process.stdout.write('joined\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await waitFor(() => output.includes('joined'), 'the child to join');
      const survivors = [presence('s1', prefix, timings), presence('s2', prefix, timings)];
      await survivors[0]!.join('lobby', 'shared');
      expect((await survivors[0]!.snapshot('lobby')).members).toEqual([
        { userId: 'shared', connections: 2 },
        { userId: 'zoe', connections: 2 },
      ]);
      const reaped: ReapedMember[][] = [];
      for (const survivor of survivors) survivor.start((changes) => reaped.push(changes));
      child.kill('SIGKILL');
      await once(child, 'exit');
      await waitFor(() => reaped.length > 0, 'the reaper');
      expect(reaped).toHaveLength(1);
      expect([...reaped[0]!].sort((x, y) => x.room.localeCompare(y.room))).toEqual([
        { room: 'lobby', userId: 'zoe', connections: 0 },
        { room: 'side', userId: 'zoe', connections: 0 },
      ]);
      expect((await survivors[1]!.snapshot('lobby')).members).toEqual([{ userId: 'shared', connections: 1 }]);
      expect(await survivors[1]!.rooms()).toEqual([{ room: 'lobby', members: 1 }]);
    } finally {
      child.kill('SIGKILL');
    }
  }, 15_000);

  it('tells a node that was reaped while alive', async () => {
    const prefix = `p${++prefixCounter}`;
    const timings = { heartbeatMs: 100, nodeTtlMs: 300 };
    let told = 0;
    // Never started: no heartbeat keeps it alive, as if its event loop were stuck.
    const stalled = presence('stalled', prefix, { ...timings, onReaped: () => told++ });
    await stalled.join('lobby', 'alice');
    const reaped: ReapedMember[][] = [];
    presence('watcher', prefix, timings).start((changes) => reaped.push(changes));
    await waitFor(() => reaped.length === 1, 'the reaper');
    stalled.start(() => {});
    await waitFor(() => told === 1, 'the reaped node to learn it');
    await stalled.resync(new Map([['lobby', new Map([['alice', 1]])]]));
    expect((await stalled.snapshot('lobby')).members).toEqual([{ userId: 'alice', connections: 1 }]);
  });
});
