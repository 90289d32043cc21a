import { startTestServer, type TestServer } from '@switchyard/server/testing';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from './client.js';
import { waitFor } from './testing/fake-server.js';
import type { Client } from './types.js';

// The typed client's automatic recovery against the real server: a room with history, a
// connection lost while messages are published, the same handlers receiving what was missed.

interface Contract {
  events: Record<string, never>;
  requests: Record<string, never>;
  pushes: { message: { n: number } };
}

const reconnect = { minDelayMs: 20, maxDelayMs: 100, slowMinDelayMs: 400, slowMaxDelayMs: 600 };
let t: TestServer<Contract>;
const clients: Client<Contract>[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await t.close();
});

describe('recovery against the real server', () => {
  it('a client cut off while messages are published gets every one, in order, once, and onJoin says recovered', async () => {
    t = await startTestServer<Contract>({ rooms: [{ pattern: 'hist:*', history: { size: 100, ttlSec: 300 } }] });
    const client = createClient<Contract>({ url: t.url, token: t.token('reader'), WebSocket, reconnect });
    clients.push(client);
    const room = client.join('hist:feed');
    const received: number[] = [];
    const joins: { recovered: boolean; rejoined: boolean }[] = [];
    room.on('message', (msg) => received.push(msg.n));
    room.onJoin((info) => joins.push({ recovered: info.recovered, rejoined: info.rejoined }));
    await room.ready();
    t.server.to('hist:feed').emit('message', { n: 1 });
    await waitFor(() => received.length === 1, 'the first message', 10_000);

    // 1012: the server restarts the connection; the client reconnects on its own.
    t.server.disconnectUser('reader', 1012);
    for (let n = 2; n <= 6; n++) t.server.to('hist:feed').emit('message', { n });
    await waitFor(() => joins.length === 2, 'the rejoin', 10_000);
    t.server.to('hist:feed').emit('message', { n: 7 });
    await waitFor(() => received.length >= 7, 'every message', 10_000);
    expect(received).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(joins).toEqual([
      { recovered: false, rejoined: false },
      { recovered: true, rejoined: true },
    ]);
  });
});
