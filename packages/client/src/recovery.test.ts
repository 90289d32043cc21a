import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from './client.js';
import { FakeServer, waitFor, type FakeConnection } from './testing/fake-server.js';
import { ManualClock } from './testing/manual-clock.js';
import type { Client, JoinInfo, Room } from './types.js';

// Recovery of rooms with history (docs/protocol.md §9) against the protocol-level fake server:
// what the client sends as `since`, what reaches handlers, and what the app is told.

let server: FakeServer;
let clock: ManualClock;
let client: Client;

beforeEach(async () => {
  server = await FakeServer.start();
  clock = new ManualClock();
});

afterEach(async () => {
  client?.close();
  await server.close();
});

const ROOM = 'hist:lobby';

function push(connection: FakeConnection, offset: number, epoch = 'k3x9', text = `m${offset}`): void {
  connection.send({ t: 'push', event: 'message', data: { text }, room: ROOM, offset, epoch });
}

interface Joined {
  readonly room: Room;
  readonly seen: number[];
  readonly joins: JoinInfo[];
  readonly connection: FakeConnection;
}

/** Connects, joins the history room at `offset` and returns what its handlers see. */
async function joinedAt(offset: number, epoch = 'k3x9'): Promise<Joined> {
  client = createClient({ url: server.url, token: 'tok', WebSocket, clock, random: () => 0 });
  const room = client.join(ROOM);
  const seen: number[] = [];
  const joins: JoinInfo[] = [];
  room.on('message', (_data, meta) => seen.push(meta.offset ?? -1));
  room.onJoin((info) => joins.push(info));
  const connection = await server.connection(0);
  const join = await connection.acceptJoin({ offset, epoch });
  expect(join.since).toBeUndefined();
  await room.ready();
  return { room, seen, joins, connection };
}

async function reconnect(connection: FakeConnection, n: number): Promise<FakeConnection> {
  connection.socket.close(1011, 'gone');
  await waitFor(() => client.status === 'reconnecting', 'reconnecting');
  clock.advance(500);
  return server.connection(n);
}

describe('recovery of rooms with history', { timeout: 20_000 }, () => {
  it('rejoins with since from the last push and delivers the replay in order, once', async () => {
    const { seen, joins, connection } = await joinedAt(40);
    push(connection, 41);
    await waitFor(() => seen.length === 1, 'first push');

    const second = await reconnect(connection, 1);
    const join = await second.acceptJoin({ recovered: true, offset: 43, epoch: 'k3x9' });
    expect(join.since).toEqual({ offset: 41, epoch: 'k3x9' });
    // The replay, a duplicate of it, then live again.
    push(second, 42);
    push(second, 43);
    push(second, 43);
    push(second, 44);
    await second.settle();
    expect(seen).toEqual([41, 42, 43, 44]);
    expect(joins.map(({ recovered, rejoined }) => ({ recovered, rejoined }))).toEqual([
      { recovered: false, rejoined: false },
      { recovered: true, rejoined: true },
    ]);
    // The client-wide listener sees the same, deduplicated stream.
  });

  it('sends since from the join reply when no push came, and reports recovered: false across epochs', async () => {
    const { seen, joins, connection } = await joinedAt(7);
    const second = await reconnect(connection, 1);
    const join = await second.acceptJoin({ recovered: false, offset: 3, epoch: 'p2m4' });
    expect(join.since).toEqual({ offset: 7, epoch: 'k3x9' });
    // The new epoch's offsets are lower than the old ones, and still delivered.
    push(second, 4, 'p2m4');
    await second.settle();
    expect(seen).toEqual([4]);
    expect(joins.at(-1)).toMatchObject({ recovered: false, rejoined: true, result: { epoch: 'p2m4' } });
    // The next rejoin asks from the new epoch.
    const third = await reconnect(second, 2);
    expect((await third.acceptJoin({ recovered: true, offset: 4, epoch: 'p2m4' })).since).toEqual({
      offset: 4,
      epoch: 'p2m4',
    });
  });

  it('drops duplicates before any listener, room or client-wide', async () => {
    const { seen, connection } = await joinedAt(0);
    const global: number[] = [];
    client.on('message', (_data, meta) => global.push(meta.offset ?? -1));
    for (const offset of [1, 2, 2, 1, 3]) push(connection, offset);
    await connection.settle();
    expect(seen).toEqual([1, 2, 3]);
    expect(global).toEqual([1, 2, 3]);
  });

  it('recovers a GAP: rejoins from before it, ignores pushes until the reply, then delivers the replay', async () => {
    const { seen, joins, connection } = await joinedAt(40);
    push(connection, 41);
    push(connection, 42);
    connection.send({ t: 'notice', code: 'GAP', room: ROOM, missed: 3, offset: 43 });
    const taken = new Set(connection.all('join'));
    const rejoin = await connection.next('join', taken);
    expect(rejoin.since).toEqual({ offset: 42, epoch: 'k3x9' });
    // Sent before the reply: replayed after it.
    push(connection, 46);
    connection.send({
      t: 'reply',
      id: rejoin.id,
      ok: true,
      data: { room: ROOM, recovered: true, offset: 46, epoch: 'k3x9' },
    });
    for (const offset of [43, 44, 45, 46, 47]) push(connection, offset);
    await connection.settle();
    expect(seen).toEqual([41, 42, 43, 44, 45, 46, 47]);
    expect(joins.at(-1)).toMatchObject({ recovered: true, rejoined: true });
  });

  it('ignores a GAP without offset, and rooms without history carry on as before', async () => {
    client = createClient({ url: server.url, token: 'tok', WebSocket, clock, random: () => 0 });
    const room = client.join('plain');
    const joins: JoinInfo[] = [];
    room.onJoin((info) => joins.push(info));
    const seen: unknown[] = [];
    room.on('message', (data) => seen.push(data));
    const connection = await server.connection(0);
    await connection.acceptJoin();
    connection.send({ t: 'push', event: 'message', data: 1, room: 'plain' });
    connection.send({ t: 'notice', code: 'GAP', room: 'plain', missed: 2 });
    connection.send({ t: 'push', event: 'message', data: 1, room: 'plain' });
    await connection.settle();
    expect(connection.all('join')).toHaveLength(1);
    expect(seen).toEqual([1, 1]);
    const second = await reconnect(connection, 1);
    const join = await second.acceptJoin();
    expect(join.since).toBeUndefined();
    await second.settle();
    // Without history a rejoin never recovers: the app reloads.
    expect(joins.map((j) => [j.rejoined, j.recovered])).toEqual([
      [false, false],
      [true, false],
    ]);
  });
});
