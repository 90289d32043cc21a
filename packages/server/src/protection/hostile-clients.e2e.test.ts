/**
 * Hostile clients, one test per finding of the outside security review (issue 14): each drives a
 * real server on port 0 with real sockets and fails if the weakness comes back.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signToken } from '../auth/index.js';
import { jsonV2Codec, type ClientEnvelope } from '@switchyard/protocol';
import { msgpackV2Codec } from '@switchyard/protocol/msgpack';
import { BinaryDataError } from '../publish/binary-data.js';
import { RawClient, sleep, upgradeStatus } from '../test-support/raw-client.js';
import { startTestServer, testTransport, type TestServer, type TestServerOptions } from '../testing/index.js';

// The uWS transport drops what it refuses without a close frame (1006); `ws` names the reason.
const ON_UWS = testTransport() === 'uws';

const servers: TestServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(servers.splice(0).map((t) => t.close()));
});

async function start(options: TestServerOptions = {}): Promise<TestServer> {
  const t = await startTestServer(options);
  servers.push(t);
  return t;
}

async function connect(t: TestServer, token: string, options: Parameters<typeof RawClient.connect>[1] = {}) {
  const c = await RawClient.connect(t.url, { token, ...options });
  clients.push(c);
  return c;
}

/** A raw HTTP exchange: writes `request` as is and resolves with the response head. */
function rawHttp(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
    socket.write(request);
  });
}

function upgradeRequest(port: number, headerLines: string[]): string {
  return [
    'GET /ws HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ...headerLines,
    '',
    '',
  ].join('\r\n');
}

describe('handshake headers (item 11)', () => {
  it('reads a Sec-WebSocket-Protocol list split over several header lines', async () => {
    const t = await start();
    const head = await rawHttp(
      t.port,
      upgradeRequest(t.port, [
        `Sec-WebSocket-Protocol: switchyard.bearer.${t.token('alice')}`,
        'Sec-WebSocket-Protocol: switchyard.v2.msgpack',
      ]),
    );
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    expect(head.toLowerCase()).toContain('sec-websocket-protocol: switchyard.v2.msgpack');
  });

  it('reads a forwarding header split over several lines: the right-most hop still counts', async () => {
    const t = await start({
      limits: { maxConnectionsPerIp: 1 },
      trustedProxyHeader: 'x-forwarded-for',
      trustedProxies: ['127.0.0.1'],
    });
    await connect(t, t.token('alice'), { headers: { 'x-forwarded-for': '203.0.113.1' } });
    // A client forges the first line; the proxy appends the real address as a second line.
    const head = await rawHttp(
      t.port,
      upgradeRequest(t.port, [
        `Authorization: Bearer ${t.token('bob')}`,
        'X-Forwarded-For: 198.51.100.77',
        'X-Forwarded-For: 203.0.113.1',
      ]),
    );
    expect(head).toMatch(/^HTTP\/1\.1 429/);
  });
});

describe('short-lived tokens (item 9)', () => {
  it('sends TOKEN_EXPIRING right after welcome when the token has under 30 s left', async () => {
    const t = await start();
    const c = await connect(t, t.token('alice', {}, { expiresIn: 20 }));
    const welcome = c.received[0];
    expect(welcome?.t).toBe('welcome');
    const notice = await c.next((e) => e.t === 'notice');
    expect(notice).toMatchObject({ t: 'notice', code: 'TOKEN_EXPIRING' });
  });

  it('announces a token already past exp (accepted within the clock tolerance) at once', async () => {
    const t = await start({ auth: { clockToleranceSec: 30 } });
    const c = await connect(t, t.token('alice', { exp: Math.floor(Date.now() / 1000) - 2 }));
    const welcome = c.received[0] as { expiresAt?: number };
    expect(welcome.expiresAt).toBeLessThan(Date.now());
    expect(await c.next((e) => e.t === 'notice')).toMatchObject({ code: 'TOKEN_EXPIRING' });
  });

  it('sends TOKEN_EXPIRING right after a refresh to a token with under 30 s left', async () => {
    const t = await start();
    const c = await connect(t, t.token('alice', {}, { expiresIn: 600 }));
    const reply = await c.call((id) => ({ t: 'refresh', id, token: t.token('alice', {}, { expiresIn: 10 }) }));
    expect(reply.ok).toBe(true);
    expect(await c.next((e) => e.t === 'notice')).toMatchObject({ code: 'TOKEN_EXPIRING' });
    expect(c.received.findIndex((e) => e.t === 'notice')).toBeGreaterThan(c.received.indexOf(reply));
  });
});

describe('token refresh narrows the rooms (item 8)', () => {
  it('leaves rooms the new rooms claim no longer allows, with ROOM_REVOKED, and stops their pushes', async () => {
    const t = await start();
    const c = await connect(t, t.token('alice', { rooms: ['chat:*', 'news'] }));
    expect((await c.join('chat:1')).ok).toBe(true);
    expect((await c.join('news')).ok).toBe(true);
    const reply = await c.call((id) => ({ t: 'refresh', id, token: t.token('alice', { rooms: ['news'] }) }));
    expect(reply.ok).toBe(true);
    const notices = c.received.filter((e) => e.t === 'notice');
    expect(notices).toEqual([expect.objectContaining({ code: 'ROOM_REVOKED', room: 'chat:1' })]);
    expect(t.server.userConnections('alice')[0]?.rooms).toEqual(new Set(['news']));
    t.server.to('chat:1').emit('secret', 1);
    t.server.to('news').emit('headline', 2);
    expect(await c.next((e) => e.t === 'push')).toMatchObject({ event: 'headline' });
    expect(c.pushes('chat:1')).toEqual([]);
    expect((await c.join('chat:1')).ok).toBe(false);
  });
});

describe('ping and reply floods (item 4)', () => {
  it('closes a client flooding ping frames with 4200, while a neighbour keeps being served', async () => {
    const t = await start();
    const flooder = await connect(t, t.token('mallory'));
    const neighbour = await connect(t, t.token('alice'));
    for (let i = 0; i < 5000 && flooder.ws.readyState === flooder.ws.OPEN; i++) flooder.send({ t: 'ping' });
    expect((await flooder.closed).code).toBe(4200);
    neighbour.send({ t: 'ping', ts: 7 });
    expect(await neighbour.next((e) => e.t === 'pong')).toMatchObject({ ts: 7 });
  });

  it('closes a client flooding replies that answer nothing with 4200', async () => {
    const t = await start();
    const flooder = await connect(t, t.token('mallory'));
    for (let i = 1; i <= 5000 && flooder.ws.readyState === flooder.ws.OPEN; i++)
      flooder.send({ t: 'reply', id: i, ok: true });
    expect((await flooder.closed).code).toBe(4200);
  });

  it('leaves a heartbeat burst well within the limit alone', async () => {
    const t = await start();
    const c = await connect(t, t.token('alice'));
    for (let i = 0; i < 500; i++) c.send({ t: 'ping', ts: i });
    await c.next((e) => e.t === 'pong' && e.ts === 499);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });
});

describe('message rate (item 12)', () => {
  it('answers every request handled before the 4200 close, the closing one included', async () => {
    const t = await start({ limits: { messagesPerSecond: 1, messageBurst: 5 } });
    t.server.onRequest('echo', (_ctx, data: unknown) => data);
    const c = await connect(t, t.token('alice'));
    const ids: number[] = [];
    for (let i = 0; i < 300; i++) {
      const id = c.id();
      ids.push(id);
      c.send({ t: 'request', id, name: 'echo', data: i });
    }
    expect((await c.closed).code).toBe(4200);
    const replies = c.received.filter((e) => e.t === 'reply');
    // 5 allowed by the burst, 19 rejected, the 20th rejection closes: each of them answered.
    expect(replies.filter((r) => r.ok).length).toBeGreaterThanOrEqual(5);
    expect(replies.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.error.code))).toEqual(
      Array.from({ length: 20 }, () => 'RATE_LIMITED'),
    );
  });
});

describe('frames the decoder must refuse (item 10)', () => {
  it('closes a frame slightly over maxPayload with 4004 TOO_LARGE, not a bare 1006', async () => {
    const t = await start({ limits: { maxPayload: 4096 } });
    const c = await connect(t, t.token('alice'));
    c.sendRaw(JSON.stringify({ t: 'event', event: 'x', data: 'a'.repeat(5000) }), false);
    expect(await c.closed).toEqual({ code: 4004, reason: 'TOO_LARGE' });
  });

  it('drops a frame beyond the slack (65 536 bytes past maxPayload): 1006 on uWS, 1009 on ws', async () => {
    const t = await start({ limits: { maxPayload: 4096 } });
    const c = await connect(t, t.token('alice'));
    const closed = new Promise<string>((resolve) => t.server.on('disconnect', (_conn, info) => resolve(info.reason)));
    c.sendRaw(JSON.stringify({ t: 'event', event: 'x', data: 'a'.repeat(4096 + 65_536) }), false);
    expect((await c.closed).code).toBe(ON_UWS ? 1006 : 1009);
    expect(await closed).toBe('payload_too_large');
  });

  it('drops a text frame with invalid UTF-8 (1006 on uWS, 1007 on ws), counted as a protocol error', async () => {
    const t = await start();
    const c = await connect(t, t.token('alice'));
    const closed = new Promise<string>((resolve) => t.server.on('disconnect', (_conn, info) => resolve(info.reason)));
    c.sendRaw(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), false);
    expect((await c.closed).code).toBe(ON_UWS ? 1006 : 1007);
    expect(await closed).toBe('protocol_error');
  });
});

describe('HEAD requests (item 14)', () => {
  /** Writes `request` and collects everything the server sends until it goes quiet or closes. */
  function exchange(port: number, request: string, until: (data: string) => boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let data = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        data += chunk;
        if (until(data)) {
          socket.destroy();
          resolve(data);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(data));
      socket.write(request);
    });
  }

  it.each(['/healthz', '/readyz', '/metrics', '/nope', '/v1/rooms'])(
    'answers HEAD %s with the GET headers and no body, keeping the connection usable',
    async (path) => {
      const t = await start({ apiKey: 'an-api-key-long-enough' });
      // HEAD, then GET /healthz on the same connection: a stray HEAD body would corrupt the second answer.
      const data = await exchange(
        t.port,
        `HEAD ${path} HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`,
        (d) => d.endsWith('\r\n\r\nok'),
      );
      const [first = '', second = ''] = data.split(/(?=HTTP\/1\.1 )/);
      expect(first).toMatch(/^HTTP\/1\.1 (200|401|404) /);
      expect(first.endsWith('\r\n\r\n')).toBe(true);
      expect(first.toLowerCase()).toMatch(/content-length: [1-9]\d*\r\n/);
      expect(second).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nok$/);
    },
  );
});

describe('request head size (item 14: the documented limit is what uWS does)', () => {
  /** Sends `parts` as separate writes, 50 ms apart, and reports the status line or how it ended. */
  function probe(port: number, parts: string[]): Promise<string> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      let data = '';
      let timer: NodeJS.Timeout | undefined;
      const done = (outcome: string): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(outcome);
      };
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        data += chunk;
        if (data.includes('\r\n\r\n')) done(data.slice(0, data.indexOf('\r\n')));
      });
      socket.on('error', (err: NodeJS.ErrnoException) => done(`error ${err.code ?? ''}`));
      socket.on('close', () => done(data === '' ? 'closed' : data.slice(0, data.indexOf('\r\n'))));
      const write = (i: number): void => {
        if (i >= parts.length || socket.destroyed) return;
        socket.write(parts[i]!);
        timer = setTimeout(() => write(i + 1), 50);
      };
      write(0);
    });
  }

  const head = (total: number): string[] => {
    const start = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ';
    const pad = 'a'.repeat(total - start.length - 4);
    return [start + pad.slice(0, 10), `${pad.slice(10)}\r\n\r\n`];
  };

  it.runIf(ON_UWS)('uWS: accepts a head just under 4 KiB split over two reads, and drops one of 4 KiB', async () => {
    const t = await start();
    expect(await probe(t.port, head(4000))).toBe('HTTP/1.1 200 OK');
    expect(await probe(t.port, head(4200))).toBe('closed');
  });

  it.runIf(!ON_UWS)('ws: accepts a split head up to the 16 KiB of Node, and answers 431 past it', async () => {
    const t = await start();
    expect(await probe(t.port, head(4200))).toBe('HTTP/1.1 200 OK');
    expect(await probe(t.port, head(16_000))).toBe('HTTP/1.1 200 OK');
    expect(await probe(t.port, head(17_000))).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  });
});

describe('descriptor exhaustion (item 1)', () => {
  // The built CLI, run under a low descriptor limit as an operator would (`ulimit -n 256`).
  const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
  const children = new Set<ChildProcess>();
  const sockets: WebSocket[] = [];
  afterEach(() => {
    for (const ws of sockets.splice(0)) ws.terminate();
    for (const child of children) child.kill('SIGKILL');
    children.clear();
  });

  function underUlimit(args: string): string[] {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npx tsc -p packages/server/tsconfig.build.json`);
    return ['-c', `ulimit -n 256 && exec "${process.execPath}" "${CLI}" ${args}`];
  }

  it('check-config shows the descriptor limit and the connection cap derived from it', () => {
    const result = spawnSync('bash', underUlimit('check-config'), {
      env: { PATH: process.env['PATH'] ?? '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(
      'note: descriptor limit (ulimit -n): 256; at most 192 connections, then upgrades get 503 (derived)',
    );
  });

  it('at ulimit -n 256, refuses upgrades past 192 connections with 503 and keeps answering /healthz', async () => {
    const child = spawn('bash', underUlimit('serve --port 0 --host 127.0.0.1 --log-level warn'), {
      env: { PATH: process.env['PATH'] ?? '', SWITCHYARD_JWT_SECRET: SECRET },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    let stderr = '';
    const base = await new Promise<string>((resolve, reject) => {
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const match = /connect: ws:\/\/(\S+)\/ws/.exec(stderr);
        if (match?.[1] !== undefined && stderr.includes('descriptor limit')) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    expect(stderr).toContain('descriptor limit (ulimit -n): 256; at most 192 connections');
    const url = `ws://${base}/ws?token=${signToken({ sub: 'u' }, { secret: SECRET })}`;
    const open = (): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.once('message', () => resolve(ws));
        ws.once('error', reject);
      });
    for (let i = 0; i < 192; i += 32) {
      sockets.push(...(await Promise.all(Array.from({ length: 32 }, open))));
    }
    const refused = await upgradeStatus(url);
    expect(refused).toMatchObject({ status: 503, body: 'server_full' });
    const health = await fetch(`http://${base}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
    // A freed slot is usable again.
    const closed = new Promise((resolve) => sockets[0]!.once('close', resolve));
    sockets[0]!.close();
    await closed;
    let status = 0;
    for (let i = 0; i < 50 && status !== 101; i++) {
      status = (await upgradeStatus(url)).status;
      if (status !== 101) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(101);
  }, 60_000);
});

describe('the spec, kept exact (item 12)', () => {
  it('refuses a token whose rooms claim is a string with 401 invalid_token', async () => {
    const t = await start();
    const refused = await upgradeStatus(t.url, {
      headers: { authorization: `Bearer ${t.token('a', { rooms: 'chat:*' })}` },
    });
    expect(refused).toMatchObject({ status: 401, body: 'invalid_token' });
  });

  it('serves an offer holding only the bearer entry as version 1 JSON, echoing nothing', async () => {
    const t = await start();
    const head = await rawHttp(
      t.port,
      upgradeRequest(t.port, [`Sec-WebSocket-Protocol: switchyard.bearer.${t.token('a')}`]),
    );
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    expect(head.toLowerCase()).not.toContain('sec-websocket-protocol');
  });

  it.each([
    ['switchyard.v1.json', 'v1'],
    ['switchyard.v2.json', 'v2'],
  ])('closes a client-sent push map with WRONG_DIRECTION (%s)', async (protocol) => {
    const t = await start();
    const c = await connect(t, t.token('a'), { protocols: [protocol] });
    c.sendRaw(JSON.stringify({ t: 'push', event: 'x', room: 'r' }), false);
    expect(await c.closed).toEqual({ code: 4000, reason: 'WRONG_DIRECTION' });
  });

  it('lets a client publish to a room it is not a member of (publishing needs no membership)', async () => {
    // Client publishing allowed explicitly, so the test holds whatever the default becomes.
    const t = await start({ rooms: [{ pattern: '*', clientPublish: true }] });
    const member = await connect(t, t.token('m'));
    await member.join('lobby');
    const outsider = await connect(t, t.token('o'));
    const reply = await outsider.call((id) => ({ t: 'publish', id, room: 'lobby', event: 'hi', data: 1 }));
    expect(reply.ok).toBe(true);
    expect(await member.next((e) => e.t === 'push')).toMatchObject({ event: 'hi', room: 'lobby' });
  });

  describe.each([
    ['json', jsonV2Codec],
    ['msgpack', msgpackV2Codec],
  ] as const)('impersonation (%s)', (_name, codec) => {
    it('refuses a client publish by default: FORBIDDEN, and nothing reaches the room', async () => {
      const t = await start();
      const member = await connect(t, t.token('alice'), { codec });
      await member.join('chat');
      const forger = await connect(t, t.token('mallory'), { codec });
      await forger.join('chat');
      const reply = await forger.call((id) => ({ t: 'publish', id, room: 'chat', event: 'message', data: 'hi' }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      // Without an id the publish is dropped as silently, and the connection stays open.
      forger.send({ t: 'publish', room: 'chat', event: 'message', data: 'hi' });
      await member.call((id) => ({ t: 'presence-get', id, room: 'chat' }));
      expect(member.pushes('chat')).toEqual([]);
    });

    it('ignores a forged from: the push names the real publisher, anonymous ones by connection', async () => {
      const t = await start({
        rooms: [{ pattern: 'open', clientPublish: true }],
        auth: { allowAnonymous: true },
      });
      const member = await connect(t, t.token('alice'), { codec });
      await member.join('open');
      const forger = await connect(t, t.token('mallory'), { codec });
      const forged = { t: 'publish', room: 'open', event: 'message', data: { text: 'hi' }, from: 'alice', id: 1 };
      // Sent as raw bytes: the typed envelope has no `from`, a hostile client adds one anyway.
      forger.sendRaw(codec.encode(forged as unknown as ClientEnvelope), codec.binary);
      const push = await member.next((e) => e.t === 'push');
      expect(push).toMatchObject({ event: 'message', room: 'open', from: 'mallory' });
      const anonymous = await RawClient.connect(t.url, { codec });
      clients.push(anonymous);
      const { connectionId } = anonymous.received[0] as { connectionId: string };
      anonymous.send({ t: 'publish', room: 'open', event: 'message', data: { from: 'alice' } });
      const second = await member.next((e) => e.t === 'push' && e !== push);
      expect(second).toMatchObject({ data: { from: 'alice' }, from: `anonymous:${connectionId}` });
    });
  });

  it('lets a token publish only to the rooms its publish claim names, and refuses a malformed claim', async () => {
    const t = await start();
    const c = await connect(t, t.token('bot', { publish: ['news:*'] }));
    expect(await c.call((id) => ({ t: 'publish', id, room: 'news:today', event: 'x' }))).toMatchObject({ ok: true });
    expect(await c.call((id) => ({ t: 'publish', id, room: 'chat', event: 'x' }))).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    await expect(connect(t, t.token('bot', { publish: 'news:*' }))).rejects.toThrow(/401/);
  });

  it('refuses binary data from a msgpack client where JSON members may listen: BAD_REQUEST', async () => {
    const t = await start({ rooms: [{ pattern: '*', clientPublish: true }] });
    const member = await connect(t, t.token('j'), { codec: jsonV2Codec });
    await member.join('files');
    const sender = await connect(t, t.token('m'), { codec: msgpackV2Codec });
    const reply = await sender.call((id) => ({
      t: 'publish',
      id,
      room: 'files',
      event: 'blob',
      data: { name: 'a', bytes: new Uint8Array([1, 2, 3]) },
    }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect((reply as { error: { message: string } }).error.message).toContain('data.bytes');
    expect(() => t.server.to('files').emit('blob', { bytes: Buffer.from('x') })).toThrow(BinaryDataError);
    await member.call((id) => ({ t: 'presence-get', id, room: 'files' }));
    expect(member.pushes('files')).toEqual([]);
  });

  it('carries binary data on a msgpack-only server, from clients and emits alike', async () => {
    const t = await start({ codecs: ['msgpack'], rooms: [{ pattern: '*', clientPublish: true }] });
    const member = await connect(t, t.token('a'), { codec: msgpackV2Codec });
    await member.join('files');
    const sender = await connect(t, t.token('b'), { codec: msgpackV2Codec });
    const bytes = new Uint8Array([1, 2, 3]);
    expect(await sender.call((id) => ({ t: 'publish', id, room: 'files', event: 'blob', data: bytes }))).toMatchObject({
      ok: true,
    });
    expect(t.server.to('files').emit('blob', bytes)).toBe(1);
    await member.waitPushes('files', 2, 5000);
    expect(member.pushes('files').map((p) => [p.data, p.from])).toEqual([
      [bytes, 'b'],
      [bytes, undefined],
    ]);
  });
});

describe('clients that never read (item 5)', () => {
  const CHUNK = 'x'.repeat(10_000);
  const MiB = 1024 * 1024;

  async function bufferedBytes(t: TestServer): Promise<number> {
    const line = (await t.server.metrics.scrape()).body
      .split('\n')
      .find((l) => l.startsWith('switchyard_buffered_bytes '));
    return Number(line?.split(' ').pop() ?? Number.NaN);
  }

  /** Emits ~200 KB to `room` every 50 ms (a timer, like any server-side feed) until `done()`. */
  async function feed(t: TestServer, room: string, sent: Map<string, number>, done: () => Promise<boolean>) {
    const started = Date.now();
    while (!(await done())) {
      if (Date.now() - started > 30_000) throw new Error(`feeding ${room} never got there`);
      for (let i = 0; i < 20; i++) {
        const seq = sent.get(room) ?? 0;
        sent.set(room, seq + 1);
        t.server.to(room).emit('feed', { seq, pad: CHUNK });
      }
      await sleep(50);
    }
  }

  it('past limits.maxBufferedBytes, closes the one furthest behind with 4201 and keeps the others', async () => {
    // One connection's own limit is far away: only the server-wide cap can act.
    const t = await start({ limits: { maxBackpressure: 16 * MiB, maxBufferedBytes: 3 * MiB } });
    const readers = new Map<string, RawClient>();
    for (const user of ['a', 'b', 'c']) {
      const c = await connect(t, t.token(user));
      expect((await c.join(user)).ok).toBe(true);
      (c.ws as unknown as { _socket: net.Socket })._socket.pause();
      readers.set(user, c);
    }
    const closed = new Map<string, number>();
    t.server.on('disconnect', (conn, info) => void closed.set(conn.userId, info.code));
    const sent = new Map<string, number>();
    // b falls furthest behind, then c, then a, which pushes the total over the cap.
    await feed(t, 'b', sent, async () => (await bufferedBytes(t)) >= 1.5 * MiB);
    const afterB = await bufferedBytes(t);
    await feed(t, 'c', sent, async () => (await bufferedBytes(t)) >= afterB + 0.6 * MiB);
    expect(closed.size).toBe(0);
    await feed(t, 'a', sent, () => Promise.resolve(closed.size > 0));

    expect([...closed]).toEqual([['b', 4201]]);
    expect(await bufferedBytes(t)).toBeLessThanOrEqual(3 * MiB);
    expect(t.server.connectionCount).toBe(2);
    const scraped = (await t.server.metrics.scrape()).body;
    expect(scraped).toMatch(/switchyard_connections_closed_total\{class="slow",reason="slow_consumer"\} 1/);
    // The others read again and get every message of their rooms; b learns why it was closed.
    for (const user of ['a', 'b', 'c']) (readers.get(user)!.ws as unknown as { _socket: net.Socket })._socket.resume();
    expect((await readers.get('b')!.closed).code).toBe(4201);
    for (const user of ['a', 'c']) {
      const c = readers.get(user)!;
      await c.waitPushes(user, sent.get(user)!, 20_000);
      expect(c.pushes(user).map((p) => (p.data as { seq: number }).seq)).toEqual(
        Array.from({ length: sent.get(user)! }, (_, i) => i),
      );
      expect((await c.call((id) => ({ t: 'presence-get', id, room: user }))).ok).toBe(true);
    }
    expect(closed.size).toBe(1);
  }, 120_000);
});
