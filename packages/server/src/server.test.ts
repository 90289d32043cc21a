import net from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RpcError, SUBPROTOCOL_JSON } from '@switchyard/protocol';
import { msgpackCodec } from '@switchyard/protocol/msgpack';
import { createServer } from './server.js';
import { startTestServer, type TestServer } from './testing/index.js';
import { RawClient, sleep, upgradeStatus } from './test-support/raw-client.js';

function memoryLogger(): { logger: ReturnType<typeof pino>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), text: () => chunks.join('') };
}

describe('requests and events', () => {
  let t: TestServer;
  let log: ReturnType<typeof memoryLogger>;
  let c: RawClient;
  beforeEach(async () => {
    log = memoryLogger();
    t = await startTestServer({ logger: log.logger });
    c = await RawClient.connect(t.url, { token: t.token('alice') });
  });
  afterEach(async () => {
    await c.close();
    await t.close();
  });

  const request = (name: string, data?: unknown) =>
    c.call((id) => (data === undefined ? { t: 'request', id, name } : { t: 'request', id, name, data }));

  it('answers with the handler result, sync or async, and passes the caller context', async () => {
    t.server.onRequest('echo', (ctx, data: unknown) => ({ data, user: ctx.userId, conn: ctx.conn.id }));
    t.server.onRequest('later', async () => {
      await sleep(10);
      return 42;
    });
    t.server.onRequest('nothing', () => undefined);
    const welcome = c.received[0] as { connectionId: string };
    expect(await request('echo', { x: 1 })).toMatchObject({
      ok: true,
      data: { data: { x: 1 }, user: 'alice', conn: welcome.connectionId },
    });
    expect(await request('later')).toMatchObject({ ok: true, data: 42 });
    expect(await request('nothing')).toEqual({ t: 'reply', id: expect.any(Number) as unknown, ok: true });
  });

  it('answers NOT_FOUND for unknown names, prototype names included', async () => {
    t.server.onRequest('known', () => 1);
    for (const name of ['nope', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      expect(await request(name)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
  });

  it('passes RpcError codes through; other throws become INTERNAL without leaking the message', async () => {
    t.server.onRequest('deny', () => {
      throw new RpcError('FORBIDDEN', 'moderators only');
    });
    t.server.onRequest('boom', () => Promise.reject(new Error('db password is hunter2')));
    expect(await request('deny')).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'moderators only' },
    });
    const boom = await request('boom');
    expect(boom).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
    expect(JSON.stringify(boom)).not.toContain('hunter2');
    expect(log.text()).toMatch(/"event":"handler_failed"[^\n]*"name":"boom"/);
    // The connection survives handler errors.
    c.send({ t: 'ping' });
    expect(await c.next((e) => e.t === 'pong')).toEqual({ t: 'pong' });
  });

  it('runs the parser: a throw answers BAD_REQUEST and the handler never runs', async () => {
    let calls = 0;
    const parse = (x: unknown): { n: number } => {
      if (typeof x !== 'object' || x === null || typeof (x as { n?: unknown }).n !== 'number')
        throw new Error('n must be a number');
      return x as { n: number };
    };
    t.server.onRequest('double', (_ctx, { n }: { n: number }) => (calls++, n * 2), { parse });
    expect(await request('double', { n: 'x' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(calls).toBe(0);
    expect(await request('double', { n: 4 })).toMatchObject({ ok: true, data: 8 });
  });

  it('delivers events to their handler; bad payloads and throwing handlers do not hurt the connection', async () => {
    const seen: unknown[] = [];
    t.server.onEvent('typing', (ctx, data) => void seen.push([ctx.userId, data]), {
      parse: (x) => {
        if (typeof x !== 'string') throw new Error('string expected');
        return x;
      },
    });
    t.server.onEvent('explode', () => {
      throw new Error('kaboom');
    });
    c.send({ t: 'event', event: 'typing', data: 'room-1' });
    c.send({ t: 'event', event: 'typing', data: 5 });
    c.send({ t: 'event', event: 'explode' });
    c.send({ t: 'event', event: 'unknown' });
    c.send({ t: 'ping', ts: 2 });
    await c.next((e) => e.t === 'pong');
    expect(seen).toEqual([['alice', 'room-1']]);
    expect(log.text()).toMatch(/"event":"handler_failed"[^\n]*"kind":"event"/);
  });

  it('answers INTERNAL for an RpcError whose code is not a protocol code (a client would close on it)', async () => {
    t.server.onRequest('odd', () => {
      // What plain JavaScript callers can do; TypeScript refuses it.
      throw new RpcError('CONFLICT' as never, 'already taken');
    });
    // Raw frames: the reply must pass the client's strict validator.
    const frames: string[] = [];
    c.ws.prependListener('message', (data: Buffer) => frames.push(data.toString()));
    const reply = await request('odd');
    expect(reply).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
    expect(frames.join('\n')).not.toContain('CONFLICT');
    expect(log.text()).toMatch(/"event":"handler_failed"[^\n]*"name":"odd"/);
  });

  it('logs a rejecting asynchronous connection or disconnect listener instead of leaving the rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      t.server.on('connection', () => Promise.reject(new Error('listener failed on connect')));
      t.server.on('disconnect', () => Promise.reject(new Error('listener failed on disconnect')));
      const other = await RawClient.connect(t.url, { token: t.token('bob') });
      await other.close();
      for (let i = 0; i < 50 && !log.text().includes('listener failed on disconnect'); i++) await sleep(20);
      await sleep(50);
      expect(unhandled).toEqual([]);
      expect(log.text()).toMatch(/"event":"listener_failed"[^\n]*"listener":"connection"/);
      expect(log.text()).toMatch(/"event":"listener_failed"[^\n]*"listener":"disconnect"/);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('refuses a second handler for the same name', () => {
    t.server.onRequest('dup', () => 1);
    expect(() => t.server.onRequest('dup', () => 2)).toThrow(/already registered/);
  });
});

describe('protocol errors close with their code', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(async () => {
    await t.close();
  });

  it.each([
    ['invalid JSON', (c: RawClient) => c.sendRaw('{nope', false), 4000],
    ['an unknown envelope type', (c: RawClient) => c.sendRaw(JSON.stringify({ t: 'teleport' }), false), 4000],
    ['a server-only envelope', (c: RawClient) => c.sendRaw(JSON.stringify({ t: 'welcome' }), false), 4000],
    ['a binary frame on JSON', (c: RawClient) => c.sendRaw(new Uint8Array([1, 2, 3]), true), 4001],
  ])('%s', async (_name, send, code) => {
    const c = await RawClient.connect(t.url, { token: t.token('x') });
    send(c);
    expect((await c.closed).code).toBe(code);
  });

  it('a text frame on msgpack closes with 4001', async () => {
    const c = await RawClient.connect(t.url, { token: t.token('x'), codec: msgpackCodec });
    c.sendRaw('{"t":"ping"}', false);
    expect((await c.closed).code).toBe(4001);
  });

  it('rate limits: RATE_LIMITED replies past the burst', async () => {
    await t.close();
    t = await startTestServer({ limits: { messagesPerSecond: 1, messageBurst: 3 } });
    t.server.onRequest('r', () => 1);
    const c = await RawClient.connect(t.url, { token: t.token('x') });
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => c.call((id) => ({ t: 'request', id, name: 'r' }))),
    );
    expect(replies.filter((r) => r.ok)).toHaveLength(3);
    expect(replies.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    await c.close();
  });
});

describe('graceful shutdown', () => {
  it('turns /readyz and upgrades to 503, closes every socket with 1001, stops listening', async () => {
    const t = await startTestServer();
    const clients = [
      await RawClient.connect(t.url, { token: t.token('a') }),
      await RawClient.connect(t.url, { token: t.token('b'), codec: msgpackCodec }),
      await RawClient.connect(t.url, { token: t.token('c') }),
    ];
    // A kept-alive HTTP connection opened before shutdown sees the 503s.
    const socket = net.connect(t.port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    const send = async (text: string, expectStatus: string) => {
      const before = received.length;
      socket.write(text);
      for (let i = 0; i < 200 && !received.slice(before).includes(expectStatus); i++) await sleep(10);
      return received.slice(before);
    };
    expect(await send('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n', '200 OK')).toContain('200 OK');

    const closing = t.server.close({ graceMs: 2000 });
    expect(t.server.ready).toBe(false);
    const closes = await Promise.all(clients.map((c) => c.closed));
    expect(closes.map((c) => c.code)).toEqual([1001, 1001, 1001]);
    expect(clients[0]!.received.some((e) => e.t === 'notice' && e.code === 'SHUTDOWN')).toBe(true);

    expect(await send('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n', '503')).toContain('503 Service Unavailable');
    const upgrade =
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${SUBPROTOCOL_JSON}\r\nAuthorization: Bearer ${t.token('late')}\r\n\r\n`;
    const refused = await send(upgrade, '503');
    expect(refused).toContain('503 Service Unavailable');
    expect(refused).toContain('shutting_down');
    await closing;
    socket.destroy();
    // The listen socket is closed: new TCP connections are refused.
    await expect(upgradeStatus(t.url)).rejects.toThrow(/ECONNREFUSED/);
    expect(t.server.connectionCount).toBe(0);
  });

  it('serves /metrics on metricsPort instead of the main port', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const metricsPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const server = createServer({ auth: { secret: 's'.repeat(32) }, metricsPort, logLevel: 'silent' });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      const side = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(side.status).toBe(200);
      expect(await side.text()).toMatch(/switchyard_/);
    } finally {
      await server.close({ graceMs: 500 });
    }
  });
});

describe('unencodable handler results', () => {
  it('answers INTERNAL when a reply cannot be encoded, and rejects a server request whose data cannot be', async () => {
    const t = await startTestServer();
    try {
      t.server.onRequest('big', () => 10n);
      let conn: import('./session/connection.js').Connection | undefined;
      t.server.on('connection', (c) => (conn = c));
      const c = await RawClient.connect(t.url, { token: t.token('x') });
      expect(await c.call((id) => ({ t: 'request', id, name: 'big' }))).toMatchObject({
        ok: false,
        error: { code: 'INTERNAL' },
      });
      await expect(conn!.request('client:x', { n: 1n })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      c.send({ t: 'ping' });
      expect(await c.next((e) => e.t === 'pong')).toEqual({ t: 'pong' });
      await c.close();
    } finally {
      await t.close();
    }
  });
});

describe('hostile input', () => {
  it('random frames on both codecs only ever close the sender with a protocol close code', async () => {
    const t = await startTestServer({ limits: { messagesPerSecond: 0 } });
    try {
      let seed = 42;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      const pieces = [
        '{"t":"join","id":1,"room":"',
        '"__proto__"',
        '{"t":"publish"',
        ',"data":',
        '[[[[',
        '"x"',
        '}',
        '{"t":"request","id":4294967296,"name":"a"}',
        '\u0000',
        '{"t":"refresh","id":2,"token":5}',
      ];
      const codes = new Set<number>();
      for (let round = 0; round < 40; round++) {
        const codec = round % 2 === 0 ? undefined : msgpackCodec;
        const c = await RawClient.connect(t.url, { token: t.token(`fuzz${round}`), ...(codec ? { codec } : {}) });
        for (let i = 0; i < 5; i++) {
          if (rand(2) === 0) {
            c.sendRaw(Array.from({ length: 1 + rand(6) }, () => pieces[rand(pieces.length)]).join(''), false);
          } else {
            c.sendRaw(
              Uint8Array.from({ length: 1 + rand(40) }, () => rand(256)),
              true,
            );
          }
        }
        c.send({ t: 'ping' });
        const outcome = await Promise.race([c.closed, c.next((e) => e.t === 'pong').then(() => undefined)]);
        if (outcome) codes.add(outcome.code);
        else await c.close();
      }
      for (const code of codes) expect([4000, 4001, 4004]).toContain(code);
      expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
      const ok = await RawClient.connect(t.url, { token: t.token('after') });
      expect(await ok.join('still-fine')).toMatchObject({ ok: true });
      await ok.close();
    } finally {
      await t.close();
    }
  }, 30_000);
});
