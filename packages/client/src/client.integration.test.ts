import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { RpcError, jsonCodec } from '@switchyard/protocol';
import { createServer, type SwitchyardServer } from '@switchyard/server';
import { startTestServer, type TestServer } from '@switchyard/server/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from './client.js';
import type { StatusEvent } from './connection-machine.js';
import { ClientError } from './errors.js';
import { msgpack } from './msgpack.js';
import type { ClientOptions } from './options.js';
import { waitFor } from './testing/fake-server.js';
import type { Client } from './types.js';

// The client against the real server (uWebSockets.js on 127.0.0.1, port 0 unless a test needs a
// fixed one), real sockets, real time.

interface ChatContract {
  events: { seq: number };
  requests: { sum: { in: { a: number; b: number }; out: number }; whoami: { in: null; out: string } };
  pushes: { message: { text: string } };
  serverRequests: { 'client:double': { in: number; out: number } };
}

// Short delays: restarts and close-code ranges are exercised in real time.
const reconnect = { minDelayMs: 20, maxDelayMs: 100, slowMinDelayMs: 400, slowMaxDelayMs: 600 };
const WAIT = 10_000;

let t: TestServer<ChatContract>;
let restarted: SwitchyardServer<ChatContract> | undefined;
const clients: Client<ChatContract>[] = [];
const errors: unknown[] = [];

beforeEach(async () => {
  t = await startTestServer<ChatContract>();
  t.server.onRequest('sum', (_ctx, { a, b }) => a + b);
  t.server.onRequest('whoami', (ctx) => ctx.userId);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await restarted?.close({ graceMs: 200 });
  restarted = undefined;
  await t.close();
});

function connect(user: string, options: Partial<ClientOptions> = {}): Client<ChatContract> {
  const client = createClient<ChatContract>({ url: t.url, token: t.token(user), WebSocket, reconnect, ...options });
  clients.push(client);
  client.onError((error) => errors.push(error));
  return client;
}

function statuses(client: Client<ChatContract>): StatusEvent[] {
  const seen: StatusEvent[] = [];
  client.onStatus((event) => seen.push(event));
  return seen;
}

/** A port nothing listens on now: bound by a throwaway listener, then released. */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const opened = (client: Client<ChatContract>): Promise<void> => waitFor(() => client.status === 'open', 'open', WAIT);

describe('client against the real server', { timeout: 30_000 }, () => {
  it('requests with typed replies and server error codes', async () => {
    const client = connect('alice');
    expect(await client.request('sum', { a: 2, b: 3 })).toBe(5);
    expect(await client.request('whoami', null)).toBe('alice');
    const error = await (client.request as (n: string, d: unknown) => Promise<unknown>)('nope', 1).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe('NOT_FOUND');
  });

  it("joins a room, publishes with an ack and receives the other member's messages", async () => {
    const alice = connect('alice');
    // The room policy keeps clients from publishing; bob's token lets him.
    const bob = connect('bob', { token: t.token('bob', { publish: ['lobby'] }) });
    const aliceRoom = alice.join('lobby', { presence: true });
    const bobRoom = bob.join('lobby');
    const joined = await aliceRoom.ready();
    expect(joined.room).toBe('lobby');
    await bobRoom.ready();
    const got: string[] = [];
    aliceRoom.on('message', (m, meta) => got.push(`${meta.from}: ${m.text}`));
    await expect(aliceRoom.publish('message', { text: 'not allowed' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await bobRoom.publish('message', { text: 'hi alice' });
    t.server.to('lobby').emit('message', { text: 'from the server' });
    await waitFor(() => got.length === 2, 'messages', WAIT);
    expect(got).toEqual(['bob: hi alice', 'undefined: from the server']);
    const presence = await aliceRoom.presence();
    expect(presence.members.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    await bobRoom.leave();
    await waitFor(() => t.server.presence('lobby').members.length === 1, 'bob left', WAIT);
  });

  it('forgets a room a refreshed token revokes, reports FORBIDDEN and does not rejoin it', async () => {
    let rooms = ['lobby', 'keep'];
    const client = connect('alice', {
      token: undefined,
      // Short-lived tokens: the client refreshes at half their life, two seconds in.
      getToken: () => t.token('alice', { rooms }, { expiresIn: 4 }),
    });
    const errors: unknown[] = [];
    client.onError((e) => errors.push(e));
    const refreshed = new Promise<void>((resolve) => client.onNotice((n) => n.code === 'ROOM_REVOKED' && resolve()));
    await Promise.all([client.join('lobby').ready(), client.join('keep').ready()]);
    rooms = ['keep'];
    await refreshed;
    await waitFor(() => errors.length === 1, 'the revocation reported', WAIT);
    expect(errors[0]).toMatchObject({ name: 'ClientError', code: 'FORBIDDEN' });
    expect(String((errors[0] as Error).message)).toContain('lobby');
    // After a reconnect only the room still allowed is joined again.
    t.server.disconnectUser('alice', 1012);
    await waitFor(() => t.server.presence('keep').members.length === 1, 'rejoined keep', WAIT);
    // A request goes out only once every rejoin was answered: a lobby join would be done by now.
    expect(await client.request('whoami', null)).toBe('alice');
    expect(t.server.presence('lobby').members).toEqual([]);
  });

  it('answers server→client requests with a handler', async () => {
    const client = connect('alice');
    client.handle('client:double', (n) => n * 2);
    client.handle('client:double', (n) => {
      if (n < 0) throw new RpcError('BAD_REQUEST', 'negative');
      return n * 2;
    });
    await opened(client);
    const [conn] = t.server.userConnections('alice');
    expect(await conn?.request('client:double', 21, { timeoutMs: 5_000 })).toBe(42);
    await expect(conn?.request('client:double', -1, { timeoutMs: 5_000 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('speaks msgpack through the separate entry', async () => {
    const client = connect('alice', { codec: msgpack });
    expect(await client.request('sum', { a: 40, b: 2 })).toBe(42);
    const room = client.join('binary');
    await room.ready();
    const got: string[] = [];
    room.on('message', (m) => got.push(m.text));
    t.server.to('binary').emit('message', { text: 'packed' });
    await waitFor(() => got.length === 1, 'push', WAIT);
  });

  it("accepts the protocol's strict JSON codec", async () => {
    const client = connect('alice', { codec: jsonCodec });
    expect(await client.request('sum', { a: 1, b: 2 })).toBe(3);
  });

  it('reconnects after a server restart on the same port, rejoins its rooms and flushes the queue in order', async () => {
    // A fixed port, as in production: the client's URL stays the same while the server behind it
    // is shut down with the client connected and a new one is started on that port.
    const port = await freePort();
    const start = async (): Promise<SwitchyardServer<ChatContract>> => {
      const server = createServer<ChatContract>({
        auth: { secret: t.secret, algorithms: ['HS256'] },
        logLevel: 'silent',
      });
      server.onRequest('sum', (_ctx, { a, b }) => a + b);
      await server.listen(port, '127.0.0.1');
      return server;
    };
    const before = (restarted = await start());
    const client = connect('alice', { url: `ws://127.0.0.1:${port}/ws` });
    const seen = statuses(client);
    const room = client.join('lobby');
    await room.ready();
    restarted = undefined;
    await before.close({ graceMs: 2_000 });
    await waitFor(() => client.status === 'reconnecting', 'reconnecting', WAIT);
    expect(seen.find((s) => s.status === 'reconnecting')?.code).toBe(1001);
    // Refused attempts while nothing listens on the port keep the client reconnecting.
    const refused = (): number => seen.filter((s) => s.status === 'reconnecting').length;
    await waitFor(() => refused() >= 3, 'two refused attempts', WAIT);
    expect(client.status).toBe('reconnecting');
    expect(seen.map((s) => s.status)).not.toContain('closed');

    // Offline: these go to the queue.
    const sends = [1, 2, 3, 4, 5].map((n) => client.emit('seq', n));
    const reply = client.request('sum', { a: 1, b: 1 });

    const got: number[] = [];
    const after = (restarted = await start());
    after.onEvent('seq', (_ctx, n) => void got.push(n));

    await Promise.all(sends);
    expect(await reply).toBe(2);
    await waitFor(() => got.length === 5, 'flushed events', WAIT);
    expect(got).toEqual([1, 2, 3, 4, 5]);
    // Rejoined: the restarted server sees alice in the room, and room pushes arrive.
    expect(after.presence('lobby').members.map((m) => m.userId)).toEqual(['alice']);
    const messages: string[] = [];
    room.on('message', (m) => messages.push(m.text));
    after.to('lobby').emit('message', { text: 'after restart' });
    await waitFor(() => messages.length === 1, 'room push after restart', WAIT);
  });

  it('stops on a terminal close (4002) and does not reconnect', async () => {
    const client = connect('alice');
    const seen = statuses(client);
    await opened(client);
    t.server.userConnections('alice')[0]?.close(4002, 'kicked');
    await waitFor(() => client.status === 'closed', 'closed', WAIT);
    expect(seen.at(-1)).toEqual({ status: 'closed', code: 4002, reason: 'kicked', terminal: true });
    expect(errors.at(-1)).toMatchObject({ code: 'DISCONNECTED', closeCode: 4002 });
    // No retry was planned (a reconnect reports `reconnecting` with the close), and a request
    // fails at once with the terminal close rather than waiting in the queue for a reconnect.
    expect(seen.map((s) => s.status)).toEqual(['connecting', 'open', 'closed']);
    await waitFor(() => t.server.connectionCount === 0, 'server side closed', WAIT);
    await expect(client.request('sum', { a: 1, b: 1 })).rejects.toMatchObject({
      code: 'DISCONNECTED',
      closeCode: 4002,
    });
  });

  it('reports a refused token as UNAUTHORIZED, tries a fresh one, and stops after maxRefusals', async () => {
    let calls = 0;
    const before = errors.length;
    const client = connect('alice', { token: undefined, getToken: () => `bad-${++calls}`, maxRefusals: 3 });
    const seen = statuses(client);
    await waitFor(() => seen.at(-1)?.status === 'closed', 'closed', WAIT);
    expect(calls).toBe(3);
    expect(seen.filter((s) => s.status === 'reconnecting').map((s) => s.reason)).toEqual(['HTTP 401', 'HTTP 401']);
    expect(seen.at(-1)).toMatchObject({ status: 'closed', terminal: true, unauthorized: true });
    expect(errors.slice(before).map((e) => (e as ClientError).code)).toEqual(Array(4).fill('UNAUTHORIZED'));
  });

  it('connects once getToken returns a valid token again after refusals', async () => {
    let calls = 0;
    const before = errors.length;
    const client = connect('alice', {
      token: undefined,
      getToken: () => (++calls < 3 ? 'revoked' : t.token('alice')),
    });
    await opened(client);
    expect(calls).toBe(3);
    expect(errors.slice(before).map((e) => (e as ClientError).code)).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED']);
  });

  it('fetches a new token on a re-authenticate close (4100), then reconnects', async () => {
    let calls = 0;
    const client = connect('alice', { token: undefined, getToken: () => (calls++, t.token('alice')) });
    const seen = statuses(client);
    await opened(client);
    const first = client.welcome?.connectionId;
    expect(calls).toBe(1);
    t.server.userConnections('alice')[0]?.close(4100, 'token expired');
    await waitFor(() => client.status === 'open' && client.welcome?.connectionId !== first, 'reopened', WAIT);
    expect(calls).toBe(2);
    expect(seen.map((s) => [s.status, s.code])).toEqual([
      ['connecting', undefined],
      ['open', undefined],
      ['reconnecting', 4100],
      ['open', undefined],
    ]);
  });

  it('reconnects slowly after a 42xx close', async () => {
    const client = connect('alice');
    const seen = statuses(client);
    await opened(client);
    t.server.userConnections('alice')[0]?.close(4200, 'rate limited');
    await waitFor(() => client.status === 'reconnecting', 'reconnecting', WAIT);
    const event = seen.at(-1);
    expect(event).toMatchObject({ status: 'reconnecting', code: 4200 });
    expect(event?.delayMs).toBeGreaterThanOrEqual(reconnect.slowMinDelayMs);
    await opened(client);
  });

  it('refreshes a short-lived token in band and keeps the same connection', async () => {
    let calls = 0;
    const client = connect('alice', {
      token: t.token('alice', {}, { expiresIn: 3 }),
      getToken: () => (calls++, t.token('alice', {}, { expiresIn: 60 })),
    });
    await opened(client);
    const id = client.welcome?.connectionId;
    const first = client.welcome?.expiresAt ?? 0;
    expect(first).toBeGreaterThan(Date.now());
    // The refresh is due at half the first token's life. The server's connection then carries
    // the new token's expiry, which its expiry timer follows (session/connection.test.ts).
    const expiry = (): number => t.server.userConnections('alice')[0]?.expiresAt ?? 0;
    await waitFor(() => expiry() > first + 30_000, 'the refreshed expiry on the server', WAIT);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(client.status).toBe('open');
    expect(client.welcome?.connectionId).toBe(id);
    expect(t.server.userConnections('alice').map((c) => c.id)).toEqual([id]);
    expect(await client.request('whoami', null)).toBe('alice');
  }, 15_000);

  it('refuses locally to send more than the advertised maxPayload, and stays connected', async () => {
    await t.close();
    t = await startTestServer<ChatContract>({ limits: { maxPayload: 1_024 } });
    t.server.onRequest('sum', (_ctx, { a, b }) => a + b);
    const client = connect('alice');
    await opened(client);
    expect(client.welcome?.limits.maxPayload).toBe(1_024);
    await expect(client.emit('seq', 'x'.repeat(2_000) as unknown as number)).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(await client.request('sum', { a: 1, b: 2 })).toBe(3);
    expect(client.status).toBe('open');
  });
});
