import { RpcError } from '@switchyard/protocol';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from './client.js';
import { systemClock } from './clock.js';
import type { StatusEvent } from './connection-machine.js';
import { ClientError } from './errors.js';
import type { ClientOptions } from './options.js';
import { FakeServer, waitFor, type FakeConnection } from './testing/fake-server.js';
import { ManualClock } from './testing/manual-clock.js';
import type { Client } from './types.js';

// The connection state machine and everything timed (backoff, heartbeat, refresh, queue expiry,
// request timeouts) driven by a manual clock, against a protocol-level fake server on real sockets.

let server: FakeServer;
let clock: ManualClock;
let client: Client;
let statuses: StatusEvent[];
let errors: unknown[];

beforeEach(async () => {
  server = await FakeServer.start();
  clock = new ManualClock();
  statuses = [];
  errors = [];
});

afterEach(async () => {
  client?.close();
  await server.close();
});

function connect(options: Partial<ClientOptions> = {}): Client {
  client = createClient({ url: server.url, token: 'tok', WebSocket, clock, random: () => 0, ...options });
  client.onStatus((event) => statuses.push(event));
  client.onError((error) => errors.push(error));
  return client;
}

async function opened(n = 0): Promise<FakeConnection> {
  const connection = await server.connection(n);
  await waitFor(() => client.status === 'open' && client.welcome !== undefined, 'open');
  return connection;
}

async function rejects(promise: Promise<unknown>): Promise<ClientError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClientError);
  return error as ClientError;
}

describe('client against a fake server', { timeout: 20_000 }, () => {
  it('offers the codec and bearer subprotocols and reports connecting then open', async () => {
    connect();
    const connection = await opened();
    expect(connection.offered).toEqual(['switchyard.v2.json', 'switchyard.bearer.tok']);
    expect(statuses.map((s) => s.status)).toEqual(['connecting', 'open']);
    expect(client.welcome?.userId).toBe('alice');
  });

  it('resolves a request with the reply and rejects with the server error code', async () => {
    connect();
    const connection = await opened();
    const ok = client.request('sum', { a: 1, b: 2 });
    const request = await connection.next('request');
    expect(request).toMatchObject({ name: 'sum', data: { a: 1, b: 2 } });
    connection.send({ t: 'reply', id: request.id, ok: true, data: 3 });
    expect(await ok).toBe(3);

    const failed = client.request('secret', {});
    const second = await connection.next('request', new Set([request]));
    connection.send({ t: 'reply', id: second.id, ok: false, error: { code: 'FORBIDDEN', message: 'no' } });
    const error = await rejects(failed);
    expect(error).toMatchObject({ code: 'FORBIDDEN', message: 'no' });
  });

  it('rejects a request with TIMEOUT when the reply is late', async () => {
    connect();
    const connection = await opened();
    const late = client.request('slow', null, { timeoutMs: 2_000 });
    await connection.next('request');
    clock.advance(1_999);
    clock.advance(1);
    expect((await rejects(late)).code).toBe('TIMEOUT');
  });

  it('reconnects with backoff after an abnormal close, and reports the code and reason', async () => {
    connect();
    const first = await opened();
    first.socket.close(1011, 'oops');
    await waitFor(() => client.status === 'reconnecting', 'reconnecting');
    expect(statuses.at(-1)).toEqual({ status: 'reconnecting', code: 1011, reason: 'oops', delayMs: 500 });
    expect(server.connections).toHaveLength(1);
    clock.advance(499);
    // The retry timer is the only way to a new attempt, and it is 1 ms away.
    expect(clock.pending()).toEqual([1]);
    expect(server.connections).toHaveLength(1);
    clock.advance(1);
    await opened(1);
    expect(statuses.map((s) => s.status)).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });

  it('stops on a terminal close code and surfaces it', async () => {
    connect();
    const connection = await opened();
    connection.socket.close(4002, 'kicked');
    await waitFor(() => client.status === 'closed', 'closed');
    expect(statuses.at(-1)).toEqual({ status: 'closed', code: 4002, reason: 'kicked', terminal: true });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'DISCONNECTED', closeCode: 4002 });
    // No timer left: nothing can ever reconnect.
    expect(clock.pending()).toEqual([]);
    expect(server.connections).toHaveLength(1);
    expect((await rejects(client.emit('typing', {}))).code).toBe('DISCONNECTED');
  });

  it('fetches a fresh token after a 41xx close, not after other closes', async () => {
    let n = 0;
    connect({ token: undefined, getToken: () => `t${++n}` });
    const first = await opened();
    expect(first.offered).toContain('switchyard.bearer.t1');
    first.socket.close(1001, 'restart');
    await waitFor(() => client.status === 'reconnecting', 'reconnecting');
    clock.advance(500);
    const second = await opened(1);
    expect(second.offered).toContain('switchyard.bearer.t1');
    second.socket.close(4100, 'token expired');
    await waitFor(() => client.status === 'reconnecting', 'reconnecting');
    clock.advance(500);
    const third = await opened(2);
    expect(third.offered).toContain('switchyard.bearer.t2');
    expect(n).toBe(2);
  });

  it('stops after a 41xx close with a fixed token, instead of retrying it forever', async () => {
    connect({ token: 'tok' });
    const connection = await opened();
    connection.socket.close(4100, 'token expired');
    await waitFor(() => client.status === 'closed', 'closed');
    expect(statuses.at(-1)).toEqual({ status: 'closed', code: 4100, reason: 'token expired', terminal: true });
    expect(errors[0]).toMatchObject({ code: 'DISCONNECTED', closeCode: 4100 });
    expect(clock.pending()).toEqual([]);
    expect(server.connections).toHaveLength(1);
  });

  it('treats a failing getToken as a failed attempt: reported, then retried with backoff', async () => {
    let n = 0;
    connect({
      token: undefined,
      getToken: () => {
        if (++n === 1) return Promise.reject(new Error('token endpoint down'));
        return Promise.resolve(`t${n}`);
      },
    });
    await waitFor(() => client.status === 'reconnecting', 'reconnecting');
    expect(errors).toEqual([new Error('token endpoint down')]);
    expect(server.connections).toHaveLength(0);
    clock.advance(500);
    const connection = await opened(0);
    expect(connection.offered).toContain('switchyard.bearer.t2');
  });

  it('reports a failing in-band refresh and keeps the connection', async () => {
    server.autoWelcome = { expiresAt: clock.now() + 60_000 };
    connect({ token: 'tok', getToken: () => Promise.reject(new Error('refresh refused')), refreshBeforeMs: 30_000 });
    const connection = await opened();
    clock.advance(30_000);
    await waitFor(() => errors.length === 1, 'the error');
    expect(errors[0]).toEqual(new Error('refresh refused'));
    expect(connection.all('refresh')).toEqual([]);
    expect(client.status).toBe('open');
  });

  it('backs off slowly after a 42xx close', async () => {
    connect();
    const connection = await opened();
    connection.socket.close(4200, 'rate limited');
    await waitFor(() => client.status === 'reconnecting', 'reconnecting');
    expect(statuses.at(-1)).toMatchObject({ code: 4200, delayMs: 5_000 });
    clock.advance(4_999);
    expect(clock.pending()).toEqual([1]);
    expect(server.connections).toHaveLength(1);
    clock.advance(1);
    await opened(1);
  });

  it('gives up on an attempt with no welcome after connectTimeoutMs', async () => {
    server.autoWelcome = false;
    connect({ connectTimeoutMs: 3_000 });
    await server.connection(0);
    clock.advance(3_000);
    await waitFor(() => client.status === 'reconnecting', 'reconnecting');
    expect(statuses.at(-1)).toMatchObject({ code: 1006, reason: 'connect timeout' });
  });

  it('pings every heartbeatMs and drops a connection that stays silent', async () => {
    server.autoWelcome = { limits: { maxPayload: 65_536, heartbeatMs: 1_000, maxRooms: 10, messagesPerSecond: 0 } };
    server.answerPings = false;
    connect();
    const connection = await opened();
    clock.advance(1_000);
    const ping = await connection.next('ping');
    connection.send({ t: 'pong', ...(ping.ts === undefined ? {} : { ts: ping.ts }) });
    await connection.settle();
    clock.advance(1_000);
    await waitFor(() => connection.all('ping').length === 2, 'second ping');
    expect(client.status).toBe('open');
    // No answer to the second ping: the next tick declares the socket dead.
    clock.advance(1_000);
    await waitFor(() => client.status === 'reconnecting', 'reconnecting');
    expect(statuses.at(-1)).toMatchObject({ code: 1006, reason: 'heartbeat timeout' });
  });

  it('answers server pings with a pong echoing ts', async () => {
    connect();
    const connection = await opened();
    connection.send({ t: 'ping', ts: 42 });
    expect(await connection.next('pong')).toEqual({ t: 'pong', ts: 42 });
  });

  it('refreshes the token in band ahead of expiresAt, and on TOKEN_EXPIRING', async () => {
    const tokens: string[] = [];
    const start = clock.now();
    // A long heartbeat: this test jumps the clock further than pongs can travel in between.
    const limits = { maxPayload: 65_536, heartbeatMs: 3_600_000, maxRooms: 10, messagesPerSecond: 0 };
    server.autoWelcome = { expiresAt: start + 60_000, limits };
    connect({ token: 'tok', getToken: () => `fresh${tokens.push('x')}`, refreshBeforeMs: 30_000 });
    const connection = await opened();
    clock.advance(29_999);
    // The refresh timer is 1 ms away; only it sends a refresh.
    expect(clock.pending()).toContain(1);
    expect(connection.all('refresh')).toHaveLength(0);
    clock.advance(1);
    const refresh = await connection.next('refresh');
    expect(refresh.token).toBe('fresh1');
    connection.send({ t: 'reply', id: refresh.id, ok: true, data: { expiresAt: start + 120_000 } });
    await connection.settle();
    // Next one: 30 s before the new expiry.
    clock.advance(59_999);
    expect(clock.pending()).toContain(1);
    expect(connection.all('refresh')).toHaveLength(1);
    connection.send({ t: 'notice', code: 'TOKEN_EXPIRING' });
    const second = await connection.next('refresh', new Set([refresh]));
    expect(second.token).toBe('fresh2');
  });

  it('plans no refresh from an expiresAt that is not a number', async () => {
    let calls = 0;
    server.autoWelcome = { expiresAt: 'soon' as unknown as number };
    // A runtime fires a NaN delay at once, where the manual clock never would: record every delay
    // the client asks the system clock for.
    const delays: number[] = [];
    const recording = {
      ...systemClock,
      setTimeout: (fn: () => void, ms: number) => (delays.push(ms), systemClock.setTimeout(fn, ms)),
    };
    connect({ clock: recording, getToken: () => `t${++calls}` });
    const connection = await opened();
    await connection.settle();
    expect(delays.filter((ms) => !Number.isFinite(ms))).toEqual([]);
    expect(connection.all('refresh')).toEqual([]);
    expect(calls).toBe(0);
  });

  it('queues sends while offline and flushes them in order after the rooms are rejoined', async () => {
    server.autoWelcome = false;
    connect();
    const room = client.join('lobby');
    const sent = [client.emit('e', 1), room.publish('msg', 2, { ack: false }), client.emit('e', 3)];
    const connection = await server.connection(0);
    await connection.settle();
    expect(connection.received).toEqual([]);
    connection.welcome();
    const join = await connection.next('join');
    await connection.settle();
    expect(connection.received).toHaveLength(1);
    connection.send({ t: 'reply', id: join.id, ok: true, data: { room: 'lobby' } });
    await Promise.all(sent);
    await waitFor(() => connection.received.length === 4, 'flushed sends');
    expect(connection.received.map((e) => e.t)).toEqual(['join', 'event', 'publish', 'event']);
    expect(connection.all('event').map((e) => e.data)).toEqual([1, 3]);
    await expect(room.ready()).resolves.toEqual({ room: 'lobby' });
  });

  it('rejoins remembered rooms after a reconnect, and forgets left ones', async () => {
    connect();
    const first = await opened();
    const lobby = client.join('lobby');
    const other = client.join('other');
    await waitFor(() => first.all('join').length === 2, 'two joins');
    for (const join of first.all('join')) first.send({ t: 'reply', id: join.id, ok: true, data: { room: join.room } });
    await Promise.all([lobby.ready(), other.ready()]);
    const leaving = other.leave();
    const leave = await first.next('leave');
    first.send({ t: 'reply', id: leave.id, ok: true });
    await leaving;
    first.socket.close(1001, 'restart');
    await waitFor(() => client.status === 'reconnecting', 'reconnecting');
    clock.advance(500);
    const second = await opened(1);
    const rejoin = await second.next('join');
    expect(rejoin.room).toBe('lobby');
    await second.settle();
    expect(second.all('join')).toHaveLength(1);
    // Room pushes reach the room handle and the client.
    const seen: unknown[] = [];
    lobby.on('msg', (data, meta) => seen.push([data, meta.room]));
    second.send({ t: 'push', event: 'msg', data: 'hi', room: 'lobby' });
    await waitFor(() => seen.length === 1, 'push');
    expect(seen).toEqual([['hi', 'lobby']]);
  });

  it('rejects a refused join through ready()', async () => {
    connect();
    const connection = await opened();
    const room = client.join('vip');
    const join = await connection.next('join');
    connection.send({ t: 'reply', id: join.id, ok: false, error: { code: 'FORBIDDEN', message: 'members only' } });
    expect((await rejects(room.ready())).code).toBe('FORBIDDEN');
    // Forgotten: joining again sends a new join.
    client.join('vip');
    await waitFor(() => connection.all('join').length === 2, 'second join');
  });

  it('rejects an overflowing queue with LIMIT_EXCEEDED and expired sends with DISCONNECTED', async () => {
    server.autoWelcome = false;
    connect({ queue: { maxSize: 2, ttlMs: 5_000 } });
    const a = client.emit('a', null);
    clock.advance(1_000);
    const b = client.emit('b', null);
    expect((await rejects(client.emit('c', null))).code).toBe('LIMIT_EXCEEDED');
    clock.advance(4_000);
    expect((await rejects(a)).code).toBe('DISCONNECTED');
    const connection = await server.connection(0);
    connection.welcome();
    await b;
    await waitFor(() => connection.received.length === 1, 'flushed send');
    expect(connection.received.map((e) => e.t === 'event' && e.event)).toEqual(['b']);
  });

  it('rejects requests in flight with DISCONNECTED when the socket drops, but resends retryable ones', async () => {
    connect();
    const first = await opened();
    const plain = client.request('once', 1);
    const safe = client.request('idempotent', 2, { retry: true, timeoutMs: 60_000 });
    await waitFor(() => first.all('request').length === 2, 'requests');
    first.socket.close(1001, 'restart');
    expect((await rejects(plain)).code).toBe('DISCONNECTED');
    clock.advance(500);
    const second = await opened(1);
    const resent = await second.next('request');
    expect(resent).toMatchObject({ name: 'idempotent', data: 2 });
    second.send({ t: 'reply', id: resent.id, ok: true, data: 'done' });
    expect(await safe).toBe('done');
  });

  it('keeps requests still queued when the socket drops during the rejoin: not rejected, sent once', async () => {
    server.autoWelcome = false;
    connect();
    client.join('lobby');
    const first = await server.connection(0);
    first.welcome();
    await first.next('join');
    server.autoWelcome = {};
    // Welcomed but the room not yet rejoined: these wait in the queue, unsent.
    const plain = client.request('once', 1);
    const safe = client.request('idempotent', 2, { retry: true });
    first.socket.close(1001, 'restart');
    await waitFor(() => client.status === 'reconnecting', 'reconnecting');
    clock.advance(500);
    const second = await opened(1);
    const join = await second.next('join');
    second.send({ t: 'reply', id: join.id, ok: true, data: { room: 'lobby' } });
    await waitFor(() => second.all('request').length === 2, 'both requests');
    await second.settle();
    const requests = second.all('request');
    expect(requests.map((r) => r.name)).toEqual(['once', 'idempotent']);
    for (const r of requests) second.send({ t: 'reply', id: r.id, ok: true, data: r.name });
    expect(await plain).toBe('once');
    expect(await safe).toBe('idempotent');
    expect(first.all('request')).toEqual([]);
  });

  it('never turns a fire-and-forget emit or publish into an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const track = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', track);
    try {
      server.autoWelcome = false;
      connect({ queue: { maxSize: 1, ttlMs: 1_000 } });
      const room = client.join('lobby');
      void client.emit('typing', 1);
      void room.publish('msg', 2, { ack: false }); // queue full
      clock.advance(1_000); // the emit expires
      client.close();
      void client.emit('typing', 3); // session over
      // Node reports unhandled rejections once the microtasks drain: one macrotask later.
      await new Promise(setImmediate);
      expect(unhandled).toEqual([]);
      // A caller that awaits still sees why.
      expect((await rejects(client.emit('typing', 4))).code).toBe('DISCONNECTED');
    } finally {
      process.off('unhandledRejection', track);
    }
  });

  it('refuses to send more than the advertised maxPayload', async () => {
    server.autoWelcome = { limits: { maxPayload: 100, heartbeatMs: 25_000, maxRooms: 10, messagesPerSecond: 0 } };
    connect();
    const connection = await opened();
    expect((await rejects(client.emit('big', 'x'.repeat(100)))).code).toBe('PAYLOAD_TOO_LARGE');
    // Multi-byte text is measured in UTF-8 bytes: 40 × '€' is 120 bytes.
    expect((await rejects(client.request('big', '€'.repeat(40)))).code).toBe('PAYLOAD_TOO_LARGE');
    await client.emit('small', 'x');
    await connection.settle();
    expect(connection.received).toEqual([{ t: 'event', event: 'small', data: 'x' }]);
  });

  it('answers server requests with handlers: result, RpcError code, INTERNAL, NOT_FOUND', async () => {
    connect();
    const connection = await opened();
    client.handle('double', (n: number) => n * 2);
    client.handle('deny', () => {
      throw new RpcError('FORBIDDEN', 'nope');
    });
    client.handle('crash', () => Promise.reject(new Error('secret detail')));
    connection.send({ t: 'request', id: 1, name: 'double', data: 21 });
    connection.send({ t: 'request', id: 2, name: 'deny' });
    connection.send({ t: 'request', id: 3, name: 'crash' });
    connection.send({ t: 'request', id: 4, name: 'missing' });
    await waitFor(() => connection.all('reply').length === 4, 'four replies');
    const replies = connection.all('reply').sort((x, y) => x.id - y.id);
    expect(replies[0]).toEqual({ t: 'reply', id: 1, ok: true, data: 42 });
    expect(replies[1]).toEqual({ t: 'reply', id: 2, ok: false, error: { code: 'FORBIDDEN', message: 'nope' } });
    expect(replies[2]).toEqual({
      t: 'reply',
      id: 3,
      ok: false,
      error: { code: 'INTERNAL', message: 'handler failed' },
    });
    expect(replies[3]).toMatchObject({ id: 4, ok: false, error: { code: 'NOT_FOUND' } });
    expect(errors).toEqual([new Error('secret detail')]);
  });

  it('reports a server-request reply too large to send, instead of an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const track = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', track);
    try {
      server.autoWelcome = { limits: { maxPayload: 100, heartbeatMs: 25_000, maxRooms: 10, messagesPerSecond: 0 } };
      connect();
      const connection = await opened();
      client.handle('deny', () => {
        throw new RpcError('FORBIDDEN', 'x'.repeat(200));
      });
      connection.send({ t: 'request', id: 1, name: 'deny' });
      await waitFor(() => errors.length === 1, 'the error reported');
      // Node reports unhandled rejections once the microtasks drain: one macrotask later.
      await new Promise(setImmediate);
      expect(unhandled).toEqual([]);
      expect(errors[0]).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      expect(client.status).toBe('open');
    } finally {
      process.off('unhandledRejection', track);
    }
  });

  it('survives hostile but readable server frames: no throw, no prototype change, still usable', async () => {
    const uncaught: unknown[] = [];
    const track = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', track);
    process.on('unhandledRejection', track);
    try {
      connect();
      const connection = await opened();
      const room = client.join('lobby', { presence: true });
      const join = await connection.next('join');
      connection.send({ t: 'reply', id: join.id, ok: true, data: { room: 'lobby' } });
      await room.ready();
      const seen: unknown[] = [];
      room.on('e', (data) => seen.push(data));
      client.on('__proto__', (data) => seen.push(data));
      const str = fc.string({ maxLength: 8 });
      const key = fc.constantFrom('__proto__', 'constructor', 'toString', 'lobby', 'e');
      const data = fc.jsonValue({ maxDepth: 3 });
      const frames = fc.oneof(
        fc.record({
          t: fc.constant('reply'),
          id: fc.integer(),
          ok: fc.boolean(),
          data,
          error: fc.record({ code: str, message: str }),
        }),
        fc.record({ t: fc.constant('request'), id: fc.nat(), name: key, data }),
        fc.record({ t: fc.constant('push'), event: key, data, room: key }, { requiredKeys: ['t', 'event'] }),
        // Compact (version 2) pushes: direct, with a room, with a null room before reserved fields.
        fc.tuple(key, data),
        fc.tuple(key, data, key),
        fc.tuple(key, data, fc.constant(null), fc.nat(), str),
        fc.record({ t: fc.constant('presence'), room: key, change: str, userId: str, connections: fc.integer() }),
        fc.record({
          t: fc.constant('notice'),
          code: fc.constantFrom('GAP', 'SHUTDOWN', 'NEW_CODE'),
          room: key,
          missed: data,
        }),
        fc.record({ t: fc.constantFrom('ping', 'pong'), ts: data }),
      );
      const sample = fc.sample(frames, { seed: 5, numRuns: 300 }).map((frame) => JSON.stringify(frame));
      for (const frame of sample) connection.send(frame);
      // Frames arrive in order: the pong to this ping means every frame above was handled.
      connection.send({ t: 'ping', ts: -1 });
      await waitFor(() => connection.all('pong').some((p) => p.ts === -1), 'the marker pong');
      expect(client.status).toBe('open');
      expect(uncaught).toEqual([]);
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
      const after = client.request('still-working', null);
      const request = (await connection.next('request')) as { id: number };
      connection.send({ t: 'reply', id: request.id, ok: true, data: 'yes' });
      expect(await after).toBe('yes');
    } finally {
      process.off('uncaughtException', track);
      process.off('unhandledRejection', track);
    }
  });

  it('closes with 4000 on a frame it cannot read, and reports it', async () => {
    connect();
    const connection = await opened();
    connection.send('{"t":"push"}');
    await waitFor(() => connection.closed !== undefined, 'server sees the close');
    expect(connection.closed?.code).toBe(4000);
    expect(client.status).toBe('closed');
    expect(String(errors[0])).toContain('invalid server frame: {"t":"push"}');
  });

  it('closes with 1000 on close() and rejects what is pending', async () => {
    connect();
    const connection = await opened();
    const pending = client.request('x', null);
    await connection.next('request');
    client.close();
    expect((await rejects(pending)).code).toBe('DISCONNECTED');
    await waitFor(() => connection.closed !== undefined, 'server sees the close');
    expect(connection.closed?.code).toBe(1000);
    expect(statuses.at(-1)).toMatchObject({ status: 'closed', code: 1000 });
  });

  it('delivers direct pushes, notices and presence changes to their listeners', async () => {
    connect();
    const connection = await opened();
    const room = client.join('lobby', { presence: true });
    const join = await connection.next('join');
    expect(join.presence).toBe(true);
    const pushes: unknown[] = [];
    const off = client.on('hello', (data, meta) => pushes.push([data, meta]));
    const notices: unknown[] = [];
    client.onNotice((n) => notices.push(n.code));
    const presence: unknown[] = [];
    room.onPresence((p) => presence.push(p));
    connection.send({ t: 'push', event: 'hello', data: 1 });
    connection.send({ t: 'notice', code: 'GAP', room: 'lobby', missed: 3 });
    connection.send({ t: 'presence', room: 'lobby', change: 'join', userId: 'bob', connections: 1 });
    await waitFor(() => presence.length === 1, 'presence');
    off();
    connection.send({ t: 'push', event: 'hello', data: 2 });
    connection.send({ t: 'notice', code: 'SHUTDOWN' });
    await waitFor(() => notices.length === 2, 'notices');
    expect(pushes).toEqual([[1, {}]]);
    expect(notices).toEqual(['GAP', 'SHUTDOWN']);
    expect(presence).toEqual([{ change: 'join', userId: 'bob', connections: 1 }]);
  });

  it('asks for member counts with presence and hands them to onPresenceCount', async () => {
    connect();
    const connection = await opened();
    const room = client.join('stadium', { presence: true });
    const join = await connection.acceptJoin({ presence: { room: 'stadium', members: [], count: 4000 } });
    expect(join).toMatchObject({ presence: true, presenceCount: true });
    await room.ready();
    expect(room.presenceCount).toBe(4000);
    const counts: number[] = [];
    const changes: unknown[] = [];
    room.onPresenceCount((n) => counts.push(n));
    room.onPresence((p) => changes.push(p));
    connection.send({ t: 'presence', room: 'stadium', change: 'count', count: 3990 });
    await waitFor(() => counts.length === 1, 'a count');
    expect(counts).toEqual([3990]);
    expect(room.presenceCount).toBe(3990);
    expect(changes).toEqual([]);
    expect(client.status).toBe('open');
  });

  it('leaves no timer behind when closed while reconnecting with queued and retryable calls', async () => {
    server.autoWelcome = { expiresAt: clock.now() + 3_600_000 };
    connect({ getToken: () => 'fresh' });
    const connection = await opened();
    const safe = client.request('idempotent', 1, { retry: true });
    await connection.next('request');
    connection.socket.close(1011, 'crash');
    await waitFor(() => client.status === 'reconnecting', 'reconnecting');
    const queued = client.emit('later', 2);
    expect(clock.pending().length).toBeGreaterThan(0);
    client.close();
    expect((await rejects(safe)).code).toBe('DISCONNECTED');
    expect((await rejects(queued)).code).toBe('DISCONNECTED');
    expect(clock.pending()).toEqual([]);
  });

  it('close() before connecting rejects what is queued and leaves no timer', async () => {
    connect({ autoConnect: false });
    const queued = client.emit('early', 1);
    const request = client.request('early', 2);
    const room = client.join('lobby');
    client.close();
    expect((await rejects(queued)).code).toBe('DISCONNECTED');
    expect((await rejects(request)).code).toBe('DISCONNECTED');
    expect((await rejects(room.ready())).code).toBe('DISCONNECTED');
    expect(clock.pending()).toEqual([]);
    expect(server.connections).toHaveLength(0);
  });

  it('stays closed when a status listener closes the client as it opens', async () => {
    connect();
    client.onStatus((event) => event.status === 'open' && client.close());
    const connection = await server.connection(0);
    await waitFor(() => connection.closed !== undefined, 'server sees the close');
    expect(connection.closed?.code).toBe(1000);
    expect(statuses.map((s) => s.status)).toEqual(['connecting', 'open', 'closed']);
    expect(client.welcome).toBeUndefined();
    // No heartbeat, retry or refresh left behind.
    expect(clock.pending()).toEqual([]);
  });

  it('retries a refused upgrade (401) with backoff and a fresh token', async () => {
    server.refuseWith = 401;
    let n = 0;
    connect({ token: undefined, getToken: () => `t${++n}` });
    await waitFor(() => client.status === 'reconnecting', 'reconnecting');
    expect(statuses.at(-1)).toMatchObject({ status: 'reconnecting', code: 1006 });
    server.refuseWith = undefined;
    clock.advance(500);
    const connection = await opened(0);
    expect(connection.offered).toContain('switchyard.bearer.t2');
    expect(n).toBe(2);
  });
});
